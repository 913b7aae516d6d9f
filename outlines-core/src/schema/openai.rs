//! The OpenAI strict-mode rendering of a JSON Schema (being written).
