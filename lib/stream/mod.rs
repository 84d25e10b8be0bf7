//! Byte streams chosen by name (placeholder; issue 4).
