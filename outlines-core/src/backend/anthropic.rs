//! Anthropic backend (being written).
