//! The Anthropic rendering of a JSON Schema (being written).
