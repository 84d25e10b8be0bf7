//! The extern "C" functions behind libovsrpc.a (placeholder; issue 7).
