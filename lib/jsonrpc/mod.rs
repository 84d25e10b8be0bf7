//! JSON-RPC 1.0 messages, connections and sessions (placeholder; issues 5, 6).
