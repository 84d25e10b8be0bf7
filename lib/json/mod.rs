//! OVS's JSON dialect (placeholder; issue 3).
