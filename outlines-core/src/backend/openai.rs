//! OpenAI-compatible backend (being written).
