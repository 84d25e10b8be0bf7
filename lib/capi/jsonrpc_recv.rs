//! Receiving from C: the parser core with the builder of C nodes, fed by a
//! connection's receive path, so that a message arrives as C nodes
//! straight from the bytes (no Rust tree, no conversion).
//!
//! Each C connection (`struct jsonrpc`) and session keeps one
//! [`CDecoder`]; the connection's own Rust parser stays idle. A session's
//! decoder starts afresh whenever the session's connection changes, and
//! moves with the connection when one is stolen from or handed to a
//! session.

use std::ptr::{self, NonNull};

use super::json_build::CBuilder;
use super::json_node::{from_c, json_type, string_bytes, type_of};
use std::ffi::c_int;

use super::json_node::equal;
use super::jsonrpc::jsonrpc;
use super::jsonrpc_msg::{
    destroy_msg, jsonrpc_msg, jsonrpc_msg_type, msg_from_c, msg_from_parsed, CMsg,
};
use crate::json::{self, Core, Json, DEFAULT_MAX_SIZE};
use crate::jsonrpc::connection::{Decoder, Incoming, MsgResult};
use crate::jsonrpc::{Msg, MsgType};

/// The parser of one C connection's input.
pub(crate) struct CDecoder {
    core: Core<CBuilder>,
}

impl Default for CDecoder {
    fn default() -> CDecoder {
        CDecoder {
            core: Core::with_flags(false, Some(DEFAULT_MAX_SIZE)),
        }
    }
}

/// A received C message, freed when dropped unless handed over.
pub(crate) struct CRecvMsg(NonNull<jsonrpc_msg>);

impl CRecvMsg {
    /// Hands the message over to the caller.
    pub(crate) fn into_raw(self) -> *mut jsonrpc_msg {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }

    /// The message.
    pub(crate) fn msg(&self) -> &jsonrpc_msg {
        // SAFETY: the message is live while owned.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for CRecvMsg {
    fn drop(&mut self) {
        // SAFETY: the message is owned and live.
        unsafe { destroy_msg(self.0.as_ptr()) }
    }
}

/// `CRecvMsg` result as a raw pointer (NULL for none).
pub(crate) fn raw(m: Option<CRecvMsg>) -> *mut jsonrpc_msg {
    m.map_or(ptr::null_mut(), CRecvMsg::into_raw)
}

impl Decoder for CDecoder {
    type Msg = CRecvMsg;

    #[inline]
    fn feed(&mut self, input: &[u8]) -> usize {
        self.core.feed(input)
    }

    fn is_done(&self) -> bool {
        self.core.is_done()
    }

    fn is_started(&self) -> bool {
        self.core.is_started()
    }

    fn bytes_consumed(&self) -> u64 {
        self.core.bytes_consumed()
    }

    fn reset(&mut self) {
        self.core.reset()
    }

    fn set_max_size(&mut self, max: Option<u64>) {
        self.core.set_max_size(max)
    }

    fn finish(&mut self) -> Result<MsgResult<CRecvMsg>, json::Error> {
        let value = self.core.finish()?.into_raw();
        // SAFETY: `value` is a fresh tree holding one reference, released
        // once the message holds its own references to its members.
        unsafe {
            let m = msg_from_parsed(value);
            super::json_node::destroy(value);
            Ok(m.map(|p| CRecvMsg(NonNull::new(p).expect("xmalloc never returns NULL"))))
        }
    }

    fn describe(msg: &CRecvMsg) -> String {
        // SAFETY: the message is live.
        unsafe { msg_from_c(msg.msg()) }.describe()
    }
}

impl Incoming for CRecvMsg {
    fn echo_reply(&self) -> Option<Msg> {
        let m = self.msg();
        if m.type_.get() != Some(MsgType::Request) || m.method.is_null() {
            return None;
        }
        // SAFETY: a received message's method is a C string.
        let method = unsafe { std::ffi::CStr::from_ptr(m.method) };
        if method.to_bytes() != b"echo" {
            return None;
        }
        // SAFETY: the members are NULL or live trees.
        let (params, id) = unsafe {
            (
                if m.params.is_null() {
                    Json::empty_array()
                } else {
                    from_c(m.params)
                },
                from_c(m.id),
            )
        };
        Some(Msg::create_reply(params, &id))
    }

    fn is_echo_reply(&self) -> bool {
        let m = self.msg();
        if m.type_.get() != Some(MsgType::Reply) || m.id.is_null() {
            return false;
        }
        // SAFETY: the id is a live node; a string's bytes are read as such.
        unsafe {
            let id = &*m.id;
            type_of(id) == Some(json_type::JSON_STRING) && string_bytes(id) == b"echo"
        }
    }
}

/// Stores the result of receiving: the message and 0, or NULL and the
/// error.
///
/// # Safety
///
/// `msgp` is NULL or writable.
pub(crate) unsafe fn put_received(
    msgp: *mut *mut jsonrpc_msg,
    result: crate::Result<CRecvMsg>,
) -> c_int {
    let (p, error) = match result {
        Ok(m) => (m.into_raw(), 0),
        Err(e) => (ptr::null_mut(), e.errno()),
    };
    // SAFETY: the caller guarantees `msgp` is NULL or writable.
    unsafe { super::put(msgp, p) };
    error
}

/// OVS's `jsonrpc_recv_block()` on a C connection: receives, flushing
/// output meanwhile, until a message or an error other than `EAGAIN`.
pub(crate) fn recv_block(r: &mut jsonrpc) -> crate::Result<CRecvMsg> {
    loop {
        match r.inner.recv_with(&mut r.decoder) {
            Err(e) if e.is_again() => {}
            other => return other,
        }
        r.inner.run();
        r.inner.wait();
        r.inner.recv_wait();
        crate::poll_loop::block();
    }
}

/// OVS's `jsonrpc_transact_block()` on a C connection: sends `request`
/// (taken over), then receives until the reply or error reply with its id,
/// dropping other messages.
///
/// # Safety
///
/// `request` is a live message the caller gives up.
pub(crate) unsafe fn transact_block(
    r: &mut jsonrpc,
    request: *mut jsonrpc_msg,
) -> crate::Result<CRecvMsg> {
    // SAFETY: as the caller guarantees; the id is kept (one reference)
    // until the reply is found, and released once.
    unsafe {
        let id = (*request).id;
        if !id.is_null() {
            (*id).count += 1;
        }
        let sent = r.inner.send_block_outgoing(&CMsg(&*request));
        destroy_msg(request);
        let result = sent.and_then(|()| loop {
            let reply = recv_block(r)?;
            let m = reply.msg();
            let kind = m.type_.0;
            if (kind == jsonrpc_msg_type::JSONRPC_REPLY as c_int
                || kind == jsonrpc_msg_type::JSONRPC_ERROR as c_int)
                && equal(m.id, id)
            {
                return Ok(reply);
            }
        });
        super::json_node::destroy(id);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` as a received message through the C decoder.
    fn decode(text: &str) -> MsgResult<CRecvMsg> {
        let mut d = CDecoder::default();
        assert_eq!(d.feed(text.as_bytes()), text.len());
        assert!(d.is_done());
        d.finish().expect("valid JSON")
    }

    #[test]
    fn messages_and_their_errors_are_the_rust_sides() {
        for text in [
            r#"{"method":"echo","params":[1,"x"],"id":7}"#,
            r#"{"method":"update","params":[{"a":{}}],"id":null}"#,
            r#"{"result":{"b":[true]},"error":null,"id":"echo"}"#,
            r#"{"error":"oops","result":null,"id":[1]}"#,
            r#"[1,2]"#,
            r#"{"method":3,"params":[],"id":1}"#,
            r#"{"method":"m","params":{},"id":1}"#,
            r#"{"method":"m","params":[],"id":1,"extra":0}"#,
            r#"{"params":[],"id":1}"#,
            r#"{"result":1,"error":2,"id":1}"#,
            r#"{"method":"m"}"#,
        ] {
            let rust = Msg::from_json(crate::json::from_str(text).unwrap());
            match (decode(text), rust) {
                (Ok(c), Ok(r)) => {
                    // SAFETY: the message is live.
                    let back = unsafe { msg_from_c(c.msg()) };
                    assert_eq!(back, r, "{text}");
                    assert_eq!(c.echo_reply(), r.echo_reply(), "{text}");
                    assert_eq!(c.is_echo_reply(), r.is_echo_reply(), "{text}");
                }
                (Err(c), Err(r)) => assert_eq!(c, r, "{text}"),
                (c, r) => panic!("{text}: C {:?}, Rust {:?}", c.is_ok(), r.is_ok()),
            }
        }
    }

    #[test]
    fn echo_requests_and_replies_are_recognized() {
        let request = decode(r#"{"method":"echo","params":["hi"],"id":3}"#).unwrap();
        let reply = request.echo_reply().expect("an echo request");
        assert_eq!(
            reply,
            Msg::create_reply(
                crate::json::from_str(r#"["hi"]"#).unwrap(),
                &Json::Integer(3)
            )
        );
        assert!(!request.is_echo_reply());
        let ours = decode(r#"{"result":[],"error":null,"id":"echo"}"#).unwrap();
        assert!(ours.is_echo_reply());
        assert!(ours.echo_reply().is_none());
        let other = decode(r#"{"method":"echo2","params":[],"id":1}"#).unwrap();
        assert!(other.echo_reply().is_none());
    }
}
