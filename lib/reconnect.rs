//! OVS's reconnect state machine (placeholder; issue 2).
