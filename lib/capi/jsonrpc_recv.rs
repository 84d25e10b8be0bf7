//! Receiving from C: the parser core with a builder of C messages, fed by
//! a connection's receive path, so that a message arrives as C nodes
//! straight from the bytes (no Rust tree, no conversion).
//!
//! The builder ([`MsgBuilder`]) makes every value inside a message as the
//! C-node builder does, and the message itself straight from the members
//! of the top-level object: that object is never built (no node, no map,
//! and the member names, made once, serve the next messages), unless it
//! has a member a message cannot have, when it is built as any object is,
//! so that the error names the member OVS would name.
//!
//! Each C connection (`struct jsonrpc`) and session keeps one
//! [`CDecoder`]; the connection's own Rust parser stays idle. A session's
//! decoder starts afresh whenever the session's connection changes, and
//! moves with the connection when one is stolen from or handed to a
//! session.

use std::cell::Cell;
use std::ptr::{self, NonNull};

use super::json_build::{CBuilder, CName, CValue};
use super::json_node::{from_c, json_type, string_bytes, type_of};
use std::ffi::c_int;

use super::json_node::equal;
use super::jsonrpc::jsonrpc;
use super::jsonrpc_msg::{
    destroy_msg, jsonrpc_msg, jsonrpc_msg_type, msg_from_c, msg_from_parsed, msg_from_slots, CMsg,
};
use crate::json::{self, Builder, Core, Json, Work, DEFAULT_MAX_SIZE};
use crate::jsonrpc::connection::{Decoder, Incoming, MsgResult};
use crate::jsonrpc::msg::MEMBER_NAMES;
use crate::jsonrpc::{Msg, MsgType};

/// The slot of a top-level member name that is none of [`MEMBER_NAMES`].
const OTHER: u8 = u8::MAX;

/// The builder of C messages: C nodes for every value inside the message,
/// and the message itself from the top-level object's members. The message
/// (or why the object is none) is left in [`ROOT_MSG`] and the object's
/// place taken by a `null` node, which no top-level value of a stream can
/// be otherwise (a stream's values are objects and arrays).
///
/// The top-level member names are made as any name is (an object with a
/// member a message cannot have is made as an object), but the names of
/// a message's members are kept for the next message instead of being
/// freed, so that a stream of messages makes them once.
#[derive(Default)]
pub(crate) struct MsgBuilder {
    nodes: CBuilder,
    /// The slot in [`MEMBER_NAMES`] ([`OTHER`] for any other name) of each
    /// top-level name read since the last top-level object closed (the
    /// last ones are the current object's members, in order; earlier ones
    /// are left by values that failed).
    root_slots: Vec<u8>,
    /// Names of a message's members, kept for the next message.
    names: [Vec<CName>; 5],
}

/// Names of one member kept for reuse, at most (a message has each once;
/// a name read twice leaves one more).
const KEEP_NAMES: usize = 2;

thread_local! {
    /// This thread's spare working memory of message parsers.
    static SPARE_WORK: Cell<Option<Box<Work<MsgBuilder>>>> = const { Cell::new(None) };
    /// The message made of the top-level object last closed on this thread
    /// by a message builder, until its decoder's `finish` takes it (in the
    /// same receive call).
    static ROOT_MSG: Cell<Option<MsgResult<CRecvMsg>>> = const { Cell::new(None) };
}

/// The slot in [`MEMBER_NAMES`] of a top-level member name.
fn member_slot(raw: &[u8]) -> Option<usize> {
    MEMBER_NAMES.iter().position(|m| m.as_bytes() == raw)
}

impl MsgBuilder {
    /// The name of the message member in `slot`, noted as such (a name
    /// kept from an earlier message if there is one).
    fn member_name(&mut self, slot: usize) -> CName {
        self.root_slots.push(slot as u8);
        match self.names[slot].pop() {
            Some(name) => name,
            None => self.nodes.name(MEMBER_NAMES[slot]),
        }
    }
}

impl Builder for MsgBuilder {
    type Value = CValue;
    type Name = CName;

    #[inline]
    fn null(&mut self) -> CValue {
        self.nodes.null()
    }

    #[inline]
    fn boolean(&mut self, b: bool) -> CValue {
        self.nodes.boolean(b)
    }

    #[inline]
    fn integer(&mut self, i: i64) -> CValue {
        self.nodes.integer(i)
    }

    #[inline]
    fn real(&mut self, r: f64) -> CValue {
        self.nodes.real(r)
    }

    #[inline]
    fn string(&mut self, s: &str) -> CValue {
        self.nodes.string(s)
    }

    #[inline]
    fn name(&mut self, s: &str) -> CName {
        self.nodes.name(s)
    }

    #[inline]
    fn string_bytes(&mut self, raw: &[u8]) -> Option<CValue> {
        self.nodes.string_bytes(raw)
    }

    #[inline]
    fn name_bytes(&mut self, raw: &[u8]) -> Option<CName> {
        self.nodes.name_bytes(raw)
    }

    fn root_name(&mut self, s: &str) -> CName {
        match member_slot(s.as_bytes()) {
            Some(slot) => self.member_name(slot),
            None => {
                self.root_slots.push(OTHER);
                self.nodes.name(s)
            }
        }
    }

    /// Names are compared as bytes: a message's member names are ASCII,
    /// and any other name goes through the nodes' own check.
    fn root_name_bytes(&mut self, raw: &[u8]) -> Option<CName> {
        match member_slot(raw) {
            Some(slot) => Some(self.member_name(slot)),
            None => {
                let name = self.nodes.name_bytes(raw)?;
                self.root_slots.push(OTHER);
                Some(name)
            }
        }
    }

    #[inline]
    fn array(&mut self, elements: &mut Vec<CValue>, start: usize) -> CValue {
        self.nodes.array(elements, start)
    }

    #[inline]
    fn object(&mut self, members: &mut Vec<(CName, CValue)>, start: usize) -> CValue {
        self.nodes.object(members, start)
    }

    fn root_object(&mut self, members: &mut Vec<(CName, CValue)>, start: usize) -> CValue {
        let n = members.len() - start;
        let at = self.root_slots.len().wrapping_sub(n);
        let message =
            at <= self.root_slots.len() && self.root_slots[at..].iter().all(|&slot| slot != OTHER);
        if !message {
            self.root_slots.clear();
            let _ = ROOT_MSG.try_with(Cell::take);
            return self.nodes.object(members, start);
        }
        // A name read twice keeps its last value, as in an object.
        let mut slots: [*mut super::json_node::json; 5] = [ptr::null_mut(); 5];
        for (k, (name, value)) in members.drain(start..).enumerate() {
            let slot = usize::from(self.root_slots[at + k]) % MEMBER_NAMES.len();
            // SAFETY: a slot is NULL or holds a reference of its own.
            unsafe { super::json_node::destroy(slots[slot]) };
            slots[slot] = value.into_raw();
            let kept = &mut self.names[slot];
            if kept.len() < KEEP_NAMES {
                kept.push(name);
            }
        }
        self.root_slots.clear();
        if self.root_slots.capacity() > 4096 {
            self.root_slots.shrink_to(64);
        }
        // SAFETY: each slot is NULL or holds one reference, taken over.
        let msg = unsafe { msg_from_slots(slots) }
            .map(|p| CRecvMsg(NonNull::new(p).expect("xmalloc never returns NULL")));
        let _ = ROOT_MSG.try_with(|m| m.set(Some(msg)));
        self.nodes.null()
    }

    fn holds_memory(&self) -> bool {
        self.root_slots.capacity() > 0 || self.names.iter().any(|n| n.capacity() > 0)
    }

    fn take_spare() -> Option<Box<Work<MsgBuilder>>> {
        SPARE_WORK.try_with(Cell::take).ok().flatten()
    }

    fn keep_spare(work: Box<Work<MsgBuilder>>) {
        let _ = SPARE_WORK.try_with(|c| c.set(Some(work)));
    }
}

/// The parser of one C connection's input.
pub(crate) struct CDecoder {
    core: Core<MsgBuilder>,
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
        let made = ROOT_MSG.try_with(Cell::take).ok().flatten();
        // SAFETY: `value` is a fresh tree holding one reference, released
        // once the message holds its own references to its members.
        unsafe {
            if (*value).type_ == json_type::JSON_NULL as c_int {
                // The top-level object, read as a message.
                super::json_node::destroy(value);
                return Ok(made.unwrap_or_else(|| Err("message is not a JSON object".into())));
            }
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

    /// Parses `text` into an object of C nodes and reads the message from
    /// it: what the decoder did before it read messages straight from the
    /// members.
    fn decode_via_object(text: &str) -> MsgResult<CRecvMsg> {
        let mut core: Core<CBuilder> = Core::with_flags(false, None);
        assert_eq!(core.feed(text.as_bytes()), text.len());
        message_of(core.finish().expect("valid JSON"))
    }

    /// The message the object path makes of a parsed value.
    fn message_of(value: CValue) -> MsgResult<CRecvMsg> {
        let value = value.into_raw();
        // SAFETY: `value` is a fresh tree holding one reference.
        unsafe {
            let m = msg_from_parsed(value);
            super::super::json_node::destroy(value);
            m.map(|p| CRecvMsg(NonNull::new(p).unwrap()))
        }
    }

    /// The message read straight from the members is the one read from
    /// the object, errors included (whatever the order of the members, a
    /// name read twice, `null` members, names of members inside the
    /// message, or several members a message cannot have), fed whole or a
    /// byte at a time.
    #[test]
    fn messages_from_the_members_are_those_from_the_object() {
        for text in [
            r#"{"method":"echo","params":[1,"x"],"id":7}"#,
            r#"{"id":7,"params":[1,"x"],"method":"echo"}"#,
            r#"{"method":"a","params":[],"method":"b","id":null}"#,
            r#"{"method":"a","params":{},"params":[2],"id":3,"id":null}"#,
            r#"{"method":null,"params":[]}"#,
            r#"{"method":"m","params":null}"#,
            r#"{"method":"m","params":[{"method":1,"x":{"id":2,"result":[]}}],"id":1}"#,
            r#"{"result":{"params":{"error":0}},"error":null,"id":"echo"}"#,
            r#"{"result":null,"error":"x","id":1}"#,
            r#"{"result":1,"error":null,"id":null}"#,
            r#"{}"#,
            r#"{"method":"m","params":[],"id":1,"extra":0,"more":1,"x":{}}"#,
            r#"{"extra":0,"method":3}"#,
            r#"{"Method":"m","params":[]}"#,
            r#"{"method":"m","params":[],"":1}"#,
            r#"[{"method":"m","params":[]}]"#,
        ] {
            let expected = decode_via_object(text);
            for step in [text.len(), 1] {
                let mut d = CDecoder::default();
                for piece in text.as_bytes().chunks(step) {
                    assert_eq!(d.feed(piece), piece.len(), "{text}");
                }
                assert!(d.is_done(), "{text}");
                let got = d.finish().expect("valid JSON");
                match (&got, &expected) {
                    // SAFETY: the messages are live.
                    (Ok(a), Ok(b)) => unsafe {
                        assert_eq!(msg_from_c(a.msg()), msg_from_c(b.msg()), "{text}");
                    },
                    (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
                    _ => panic!("{text}: {:?} against {:?}", got.is_ok(), expected.is_ok()),
                }
            }
        }
    }

    /// What a stream of messages reads as, one entry per value until the
    /// first error or the end: the message or the error's text.
    type Reading = Vec<Result<Msg, String>>;

    /// The reference reading: the whole input parsed into objects of C
    /// nodes, each read as a message from the object.
    fn read_via_objects(input: &[u8]) -> Reading {
        let mut core: Core<CBuilder> = Core::with_flags(false, None);
        let mut out = Vec::new();
        let mut rest = input;
        loop {
            let n = core.feed(rest);
            rest = &rest[n..];
            if !core.is_done() {
                return out;
            }
            let m = match core.finish() {
                Ok(v) => message_of(v),
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            };
            let failed = m.is_err();
            // SAFETY: the message is live until `m` drops, once read.
            out.push(m.map(|m| unsafe { msg_from_c(m.msg()) }));
            if failed {
                return out;
            }
        }
    }

    /// The decoder's reading of `input` fed in pieces of random sizes.
    fn read_via_decoder(input: &[u8], rng: &mut fastrand::Rng) -> Reading {
        let mut d = CDecoder::default();
        let mut out = Vec::new();
        let mut at = 0;
        while at < input.len() {
            let end = (at + rng.usize(1..=24)).min(input.len());
            let mut piece = &input[at..end];
            at = end;
            while !piece.is_empty() {
                let n = d.feed(piece);
                piece = &piece[n..];
                if !d.is_done() {
                    break;
                }
                match d.finish() {
                    Ok(Ok(m)) => out.push(Ok(unsafe { msg_from_c(m.msg()) })),
                    Ok(Err(e)) => {
                        out.push(Err(e));
                        return out;
                    }
                    Err(e) => {
                        out.push(Err(e.to_string()));
                        return out;
                    }
                }
            }
        }
        out
    }

    /// Streams of messages, mutated at random (bytes replaced by JSON's
    /// punctuation or letters, cut out, or repeated), read by the decoder
    /// in random pieces: the same messages and the same error as the
    /// objects of the whole input give (and no panic, no leak under the
    /// C tests' valgrind runs of the same code).
    #[test]
    fn mutated_streams_read_as_their_objects() {
        const SEEDS: [&str; 6] = [
            r#"{"method":"echo","params":[1,"x"],"id":7}"#,
            r#"{"id":null,"method":"update","params":["mon",{"T":{"u":{"new":{"a":1,"id":[2]}}}}]}"#,
            r#"{"result":{"b":[true,null]},"error":null,"id":"echo"}"#,
            r#"{"error":"oops","result":null,"id":[1]}"#,
            r#"{"method":"m","params":[],"id":1,"extra":0}"#,
            r#"{"params":[{"method":"x"}],"method":"a","method":"b"}"#,
        ];
        const ALPHABET: &[u8] = br#"{}[]":,01 aeimnrst"#;
        let mut rng = fastrand::Rng::with_seed(0x5eed);
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..rng.usize(1..=4) {
                input.extend_from_slice(SEEDS[rng.usize(..SEEDS.len())].as_bytes());
            }
            for _ in 0..rng.usize(0..=3) {
                let i = rng.usize(..input.len());
                match rng.u8(..3) {
                    0 => input[i] = ALPHABET[rng.usize(..ALPHABET.len())],
                    1 => {
                        input.remove(i);
                    }
                    _ => {
                        let j = (i + rng.usize(1..=12)).min(input.len());
                        let copy = input[i..j].to_vec();
                        input.splice(i..i, copy);
                    }
                }
                if input.is_empty() {
                    break;
                }
            }
            let want = read_via_objects(&input);
            let got = read_via_decoder(&input, &mut rng);
            assert_eq!(got, want, "{}", String::from_utf8_lossy(&input));
        }
    }

    /// A stream's top-level values are objects and arrays only, so the
    /// `null` node that stands for a message read from the members can be
    /// nothing else.
    #[test]
    fn a_top_level_scalar_is_a_parse_error() {
        for text in ["null ", "1 ", "\"x\"", "true "] {
            let mut d = CDecoder::default();
            d.feed(text.as_bytes());
            assert!(d.is_done(), "{text}");
            assert!(d.finish().is_err(), "{text}");
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
