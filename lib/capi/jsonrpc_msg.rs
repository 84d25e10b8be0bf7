//! `jsonrpc.h`, messages: `struct jsonrpc_msg`, public as in OVS, and the
//! functions that create, check, convert and free them.
//!
//! A message is `malloc()`ed; its `method` is a `malloc()`ed string and its
//! JSON members are C nodes (see [`super::json`]), each holding one
//! reference. `jsonrpc_msg_destroy()` releases them all, so a caller that
//! wants to keep a member takes it out (setting the field to NULL) or
//! `json_clone()`s it first, as with OVS.

use std::ffi::{c_char, c_int, CStr};
use std::mem;
use std::ptr;

use super::json::{self as cjson, json, json_type};
use super::json_build::serialize_c;
use super::json_node::{destroy, from_c, members, text, to_c};
use super::{boundary, c_str, malloc_string, obj, put, xmalloc};
use crate::json::Json;
use crate::json::{SerializeOptions, Sink};
use crate::jsonrpc::msg::{check_shape, create_id, put_member_name};
use crate::jsonrpc::{Msg, MsgType, Outgoing};

/// The kind of a JSON-RPC message, with OVS's values.
#[repr(C)]
pub enum jsonrpc_msg_type {
    /// A request: method, params, id.
    JSONRPC_REQUEST,
    /// A notification: method, params.
    JSONRPC_NOTIFY,
    /// A successful reply: result, id.
    JSONRPC_REPLY,
    /// An error reply: error, id.
    JSONRPC_ERROR,
}

/// An `enum jsonrpc_msg_type` as C stores or passes it: any `int`, checked
/// before use (the header declares it as the enum).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct jsonrpc_msg_type_value(pub c_int);

impl jsonrpc_msg_type_value {
    fn of(t: MsgType) -> jsonrpc_msg_type_value {
        jsonrpc_msg_type_value(match t {
            MsgType::Request => jsonrpc_msg_type::JSONRPC_REQUEST,
            MsgType::Notify => jsonrpc_msg_type::JSONRPC_NOTIFY,
            MsgType::Reply => jsonrpc_msg_type::JSONRPC_REPLY,
            MsgType::Error => jsonrpc_msg_type::JSONRPC_ERROR,
        } as c_int)
    }

    pub(crate) fn get(self) -> Option<MsgType> {
        [
            MsgType::Request,
            MsgType::Notify,
            MsgType::Reply,
            MsgType::Error,
        ]
        .get(usize::try_from(self.0).ok()?)
        .copied()
    }

    /// The type, aborting (as an OVS assertion would) on a value that is
    /// not one.
    fn expect(self) -> MsgType {
        self.get()
            .unwrap_or_else(|| panic!("bad JSON-RPC message type {}", self.0))
    }
}

/// A JSON-RPC message. Which members are set depends on the type; the
/// others are NULL.
/// cbindgen:field-names=[type, method, params, result, error, id]
#[repr(C)]
pub struct jsonrpc_msg {
    /// The kind of message.
    pub type_: jsonrpc_msg_type_value,
    /// Request or notification only (`malloc()`ed).
    pub method: *mut c_char,
    /// Request or notification only: an array.
    pub params: *mut json,
    /// Successful reply only.
    pub result: *mut json,
    /// Error reply only.
    pub error: *mut json,
    /// Request or reply only.
    pub id: *mut json,
}

/// A new `malloc()`ed message from its parts (taking them over).
pub(super) fn new_msg(
    t: MsgType,
    method: *mut c_char,
    params: *mut json,
    result: *mut json,
    error: *mut json,
    id: *mut json,
) -> *mut jsonrpc_msg {
    let p = xmalloc(mem::size_of::<jsonrpc_msg>()) as *mut jsonrpc_msg;
    // SAFETY: `p` is a fresh allocation of the right size (malloc aligns
    // for any type).
    unsafe {
        p.write(jsonrpc_msg {
            type_: jsonrpc_msg_type_value::of(t),
            method,
            params,
            result,
            error,
            id,
        })
    };
    p
}

/// Reads a C message as a Rust one (copying each member once), leaving the
/// C message alone.
///
/// # Safety
///
/// `p` is a live message.
pub(crate) unsafe fn msg_from_c(p: *const jsonrpc_msg) -> Msg {
    // SAFETY: the caller guarantees `p` is live; its members are NULL or
    // live nodes and `method` is NULL or a C string.
    unsafe {
        let m = obj(p);
        let member = |j: *mut json| (!j.is_null()).then(|| from_c(j));
        Msg {
            msg_type: m.type_.expect(),
            method: c_str(m.method).map(|s| s.into_owned()),
            params: member(m.params),
            result: member(m.result),
            error: member(m.error),
            id: member(m.id),
        }
    }
}

/// A C message as a connection's output queue takes it: written from its
/// own nodes, with the members and `null`s of the Rust message's wire form
/// (method, params, result, error, id; a reply carries `"error":null`, an
/// error reply `"result":null`, a notification `"id":null`).
pub(crate) struct CMsg<'a>(pub(crate) &'a jsonrpc_msg);

impl Outgoing for CMsg<'_> {
    fn write_to_sink<S: Sink>(&self, out: &mut S) {
        let m = self.0;
        let t = m.type_.expect();
        out.put("{");
        let mut first = true;
        let mut name = |out: &mut S, name: &str| put_member_name(out, &mut first, name);
        // SAFETY: the message is live: `method` is NULL or a C string.
        if let Some(method) = unsafe { c_str(m.method) } {
            name(out, "method");
            out.put_string(&method);
        }
        for (member, value, null_for) in [
            ("params", m.params, None),
            ("result", m.result, Some(MsgType::Error)),
            ("error", m.error, Some(MsgType::Reply)),
            ("id", m.id, Some(MsgType::Notify)),
        ] {
            if !value.is_null() {
                name(out, member);
                // SAFETY: a member of a live message is a live tree.
                unsafe { serialize_c(value, out, SerializeOptions::COMPACT) };
            } else if null_for == Some(t) {
                name(out, member);
                out.put("null");
            }
        }
        out.put("}");
    }

    fn describe(&self) -> String {
        // SAFETY: the message is live.
        unsafe { msg_from_c(self.0) }.describe()
    }
}

/// Frees a message and everything it holds. NULL is fine.
///
/// # Safety
///
/// `p` is NULL or a live message not used afterwards.
pub(crate) unsafe fn destroy_msg(p: *mut jsonrpc_msg) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller gives up a live, malloc()ed message whose members
    // each hold one reference.
    unsafe {
        let m = p.read();
        libc::free(m.method as *mut libc::c_void);
        for j in [m.params, m.result, m.error, m.id] {
            destroy(j);
        }
        libc::free(p as *mut libc::c_void);
    }
}

/// A copy of the C string `method` for a new message.
///
/// # Safety
///
/// `method` is a C string (NULL panics: OVS requires one).
unsafe fn copy_method(method: *const c_char) -> *mut c_char {
    assert!(!method.is_null(), "JSON-RPC method is null");
    // SAFETY: the caller passes a C string.
    super::malloc_bytes(unsafe { CStr::from_ptr(method) }.to_bytes())
}

/// Returns a new request for `method` with `params` (an array, taken over)
/// and a fresh id. If `idp` is not NULL, stores there a reference to the id
/// (release it with `json_destroy()`).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_create_request(
    method: *const c_char,
    params: *mut json,
    idp: *mut *mut json,
) -> *mut jsonrpc_msg {
    boundary("jsonrpc_create_request", || {
        let id = to_c(&create_id());
        if !idp.is_null() {
            // SAFETY: `id` is a fresh node; `idp` is writable.
            unsafe { put(idp, cjson::json_clone(id)) };
        }
        // SAFETY: the caller passes a C string.
        let method = unsafe { copy_method(method) };
        new_msg(
            MsgType::Request,
            method,
            params,
            ptr::null_mut(),
            ptr::null_mut(),
            id,
        )
    })
}

/// Returns a new notification for `method` with `params` (an array, taken
/// over).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_create_notify(
    method: *const c_char,
    params: *mut json,
) -> *mut jsonrpc_msg {
    boundary("jsonrpc_create_notify", || {
        // SAFETY: the caller passes a C string.
        let method = unsafe { copy_method(method) };
        let null = ptr::null_mut();
        new_msg(MsgType::Notify, method, params, null, null, null)
    })
}

/// Returns a new reply carrying `result` (taken over) to the request with
/// `id` (which gets one more reference).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_create_reply(
    result: *mut json,
    id: *const json,
) -> *mut jsonrpc_msg {
    boundary("jsonrpc_create_reply", || {
        // SAFETY: the caller passes a live id node (or NULL).
        let id = unsafe { cjson::json_nullable_clone(id) };
        let null = ptr::null_mut();
        new_msg(MsgType::Reply, ptr::null_mut(), null, result, null, id)
    })
}

/// Returns a new error reply carrying `error` (taken over) to the request
/// with `id` (which gets one more reference).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_create_error(
    error: *mut json,
    id: *const json,
) -> *mut jsonrpc_msg {
    boundary("jsonrpc_create_error", || {
        // SAFETY: the caller passes a live id node (or NULL).
        let id = unsafe { cjson::json_nullable_clone(id) };
        let null = ptr::null_mut();
        new_msg(MsgType::Error, ptr::null_mut(), null, null, error, id)
    })
}

/// Returns a new message with the same type and method as `old`, sharing
/// its JSON members (each gets one more reference).
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_msg_clone(old: *const jsonrpc_msg) -> *mut jsonrpc_msg {
    boundary("jsonrpc_msg_clone", || {
        // SAFETY: the caller passes a live message.
        unsafe {
            let m = obj(old);
            let method = if m.method.is_null() {
                ptr::null_mut()
            } else {
                copy_method(m.method)
            };
            new_msg(
                m.type_.expect(),
                method,
                cjson::json_nullable_clone(m.params),
                cjson::json_nullable_clone(m.result),
                cjson::json_nullable_clone(m.error),
                cjson::json_nullable_clone(m.id),
            )
        }
    })
}

/// Returns "request", "notification", "reply" or "error" (a static string).
#[no_mangle]
pub extern "C" fn jsonrpc_msg_type_to_string(type_: jsonrpc_msg_type_value) -> *const c_char {
    boundary("jsonrpc_msg_type_to_string", || {
        let name: &'static [u8] = match type_.get() {
            Some(MsgType::Request) => b"request\0",
            Some(MsgType::Notify) => b"notification\0",
            Some(MsgType::Reply) => b"reply\0",
            Some(MsgType::Error) => b"error\0",
            None => b"(null)\0",
        };
        name.as_ptr() as *const c_char
    })
}

/// A stand-in for a member: what its presence and type say, nothing more.
///
/// # Safety
///
/// `j` is NULL or a live node.
unsafe fn shape(j: *const json) -> Option<Json> {
    if j.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees `j` is live.
    Some(match unsafe { (*j).type_ } {
        t if t == json_type::JSON_NULL as c_int => Json::Null,
        t if t == json_type::JSON_ARRAY as c_int => Json::empty_array(),
        _ => Json::Integer(0),
    })
}

/// Returns NULL if `m` is a valid message (the right members for its type,
/// params an array), otherwise an error message for the caller to `free()`.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_msg_is_valid(m: *const jsonrpc_msg) -> *mut c_char {
    boundary("jsonrpc_msg_is_valid", || {
        // SAFETY: the caller passes a live message. Only the shape of each
        // member matters, so nothing is converted.
        let check = unsafe {
            let m = obj(m);
            Msg {
                msg_type: m.type_.expect(),
                method: (!m.method.is_null()).then(String::new),
                params: shape(m.params),
                result: shape(m.result),
                error: shape(m.error),
                id: shape(m.id),
            }
        };
        match check.is_valid() {
            Ok(()) => ptr::null_mut(),
            Err(e) => malloc_string(&e),
        }
    })
}

/// Frees `m` and the members it holds. NULL is fine.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_msg_destroy(m: *mut jsonrpc_msg) {
    // SAFETY: the caller gives up `m` (or passes NULL).
    boundary("jsonrpc_msg_destroy", || unsafe { destroy_msg(m) })
}

/// Reads a message from its JSON form `json` (taken over). Returns NULL and
/// stores the message in `*msgp`, or returns an error message (for the
/// caller to `free()`) and stores NULL. The message keeps `json`'s member
/// nodes; nothing is copied.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_msg_from_json(
    json: *mut json,
    msgp: *mut *mut jsonrpc_msg,
) -> *mut c_char {
    boundary("jsonrpc_msg_from_json", || {
        // SAFETY: the caller gives up a live tree (or NULL) and passes a
        // writable `msgp`.
        unsafe {
            let (msg, error) = match msg_from_json(json) {
                Ok(m) => (m, ptr::null_mut()),
                Err(e) => (ptr::null_mut(), malloc_string(&e)),
            };
            destroy(json);
            put(msgp, msg);
            error
        }
    })
}

/// [`jsonrpc_msg_from_json`] without the bookkeeping: checks the object's
/// shape with [`Msg::from_json`] (so the rules and texts are the Rust
/// side's), then builds the message from the object's own nodes.
///
/// # Safety
///
/// `json` is NULL or a live tree.
pub(crate) unsafe fn msg_from_json(json: *const json) -> Result<*mut jsonrpc_msg, String> {
    let mut skeleton = crate::json::Object::new();
    let mut nodes: [*mut json; 4] = [ptr::null_mut(); 4];
    const NAMES: [&str; 4] = ["params", "result", "error", "id"];
    // SAFETY: the caller guarantees `json` is NULL or a live tree.
    let is_object = !json.is_null() && unsafe { (*json).type_ } == json_type::JSON_OBJECT as c_int;
    if is_object {
        // SAFETY: `json` is a live object; names are C strings and values
        // live nodes owned by it.
        for (name, value) in unsafe { members(&*json) } {
            let key = name.to_string_lossy();
            let stand_in = if key == "method" {
                if unsafe { (*value).type_ } == json_type::JSON_STRING as c_int {
                    Json::from(&*unsafe { text(&*value) })
                } else {
                    Json::Integer(0)
                }
            } else {
                if let Some(slot) = NAMES.iter().position(|n| *n == key) {
                    nodes[slot] = value;
                }
                unsafe { shape(value) }.unwrap_or_default()
            };
            skeleton.insert(&*key, stand_in);
        }
    }
    let skeleton = if is_object {
        Json::object(skeleton)
    } else {
        Json::Null
    };
    let m = Msg::from_json(skeleton)?;
    // A member the message has is one of the object's non-null nodes: take
    // a reference to it (the object's own goes with the object).
    let take = |present: bool, node: *mut json| {
        if present {
            // SAFETY: `node` is a live member of the object.
            unsafe { cjson::json_clone(node) }
        } else {
            ptr::null_mut()
        }
    };
    Ok(new_msg(
        m.msg_type,
        m.method.as_deref().map_or(ptr::null_mut(), malloc_string),
        take(m.params.is_some(), nodes[0]),
        take(m.result.is_some(), nodes[1]),
        take(m.error.is_some(), nodes[2]),
        take(m.id.is_some(), nodes[3]),
    ))
}

/// [`msg_from_json`] for a freshly parsed message, reading the object in
/// place: the same rules and texts (those of [`Msg::from_json`], members
/// taken in the map's iteration order), with no stand-in tree.
///
/// # Safety
///
/// `json` is a live tree.
pub(crate) unsafe fn msg_from_parsed(json: *const json) -> Result<*mut jsonrpc_msg, String> {
    // SAFETY: the caller guarantees `json` is live.
    let j = unsafe { &*json };
    if j.type_ != json_type::JSON_OBJECT as c_int {
        return Err("message is not a JSON object".to_string());
    }
    let mut method: *mut json = ptr::null_mut();
    // params, result, error, id: the non-null values.
    let mut slots: [*mut json; 4] = [ptr::null_mut(); 4];
    let mut unexpected: Option<String> = None;
    // SAFETY: `j` is a live object; names are C strings, values live nodes.
    for (name, value) in unsafe { members(j) } {
        let slot = match name.to_bytes() {
            b"method" => {
                // SAFETY: `value` is a live node.
                if unsafe { (*value).type_ } != json_type::JSON_STRING as c_int {
                    return Err("method is not a JSON string".to_string());
                }
                method = value;
                continue;
            }
            b"params" => 0,
            b"result" => 1,
            b"error" => 2,
            b"id" => 3,
            _ => {
                if unexpected.is_none() {
                    unexpected = Some(name.to_string_lossy().into_owned());
                }
                continue;
            }
        };
        // SAFETY: `value` is a live node.
        if unsafe { (*value).type_ } != json_type::JSON_NULL as c_int {
            slots[slot] = value;
        }
    }
    if let Some(name) = unexpected {
        return Err(format!("message has unexpected member \"{name}\""));
    }
    // SAFETY: each node is NULL or a live member of the object; the
    // message gets a reference of its own to each (the object's goes with
    // the object).
    unsafe {
        let take = |p: *mut json| if p.is_null() { p } else { cjson::json_clone(p) };
        let [params, result, error, id] = slots;
        msg_from_slots([
            take(method),
            take(params),
            take(result),
            take(error),
            take(id),
        ])
    }
}

/// The message of a top-level object's members, in the slots method,
/// params, result, error and id (NULL: absent), each holding one reference
/// that this takes over: the rules and texts of [`Msg::from_json`] (a
/// method must be a string; a `null` member counts as absent; the members
/// present decide the type and must fit it).
///
/// # Safety
///
/// Each slot is NULL or a live node on which the caller holds a reference.
pub(crate) unsafe fn msg_from_slots(slots: [*mut json; 5]) -> Result<*mut jsonrpc_msg, String> {
    let release = |slots: [*mut json; 5]| {
        for p in slots {
            // SAFETY: as the caller guarantees.
            unsafe { destroy(p) };
        }
    };
    let [method, mut params, mut result, mut error, mut id] = slots;
    // SAFETY: each slot is NULL or a live node.
    let type_of = |p: *mut json| unsafe { (*p).type_ };
    if !method.is_null() && type_of(method) != json_type::JSON_STRING as c_int {
        release(slots);
        return Err("method is not a JSON string".to_string());
    }
    for p in [&mut params, &mut result, &mut error, &mut id] {
        if !p.is_null() && type_of(*p) == json_type::JSON_NULL as c_int {
            // SAFETY: as the caller guarantees.
            unsafe { destroy(*p) };
            *p = ptr::null_mut();
        }
    }
    let msg_type = if !result.is_null() {
        MsgType::Reply
    } else if !error.is_null() {
        MsgType::Error
    } else if !id.is_null() {
        MsgType::Request
    } else {
        MsgType::Notify
    };
    let params_array = params.is_null() || type_of(params) == json_type::JSON_ARRAY as c_int;
    if let Err(e) = check_shape(
        msg_type,
        [
            !method.is_null(),
            !params.is_null(),
            !result.is_null(),
            !error.is_null(),
            !id.is_null(),
        ],
        params_array,
    ) {
        release([method, params, result, error, id]);
        return Err(e);
    }
    // SAFETY: `method` is NULL or a live string node on which this holds a
    // reference.
    let method = unsafe { take_string(method) };
    Ok(new_msg(msg_type, method, params, result, error, id))
}

/// A `malloc()`ed copy of the string node `p`'s string (NULL for NULL),
/// releasing the reference held on `p`.
///
/// # Safety
///
/// `p` is NULL or a live `JSON_STRING` node on which the caller holds a
/// reference.
unsafe fn take_string(p: *mut json) -> *mut c_char {
    if p.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: as the caller guarantees.
    unsafe {
        let s = super::malloc_bytes(super::json_node::string_bytes(&*p));
        destroy(p);
        s
    }
}

/// Returns the JSON form of `m`, taking `m` over (and freeing it): an
/// object with the members the message has, plus `"error": null` in a
/// reply, `"result": null` in an error reply and `"id": null` in a
/// notification.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_msg_to_json(m: *mut jsonrpc_msg) -> *mut json {
    boundary("jsonrpc_msg_to_json", || {
        // SAFETY: the caller gives up a live, malloc()ed message; its
        // members move into the new object (their references with them).
        unsafe {
            let msg = obj(m).type_.expect();
            let parts = m.read();
            libc::free(m as *mut libc::c_void);
            let object = cjson::json_object_create();
            let put_member = |name: &[u8], value: *mut json| {
                cjson::json_object_put(object, name.as_ptr() as *const c_char, value);
            };
            if !parts.method.is_null() {
                put_member(b"method\0", cjson::json_string_create_nocopy(parts.method));
            }
            if !parts.params.is_null() {
                put_member(b"params\0", parts.params);
            }
            let null_if = |want: bool| want.then(|| cjson::json_null_create());
            if let Some(v) = nonnull(parts.result).or_else(|| null_if(msg == MsgType::Error)) {
                put_member(b"result\0", v);
            }
            if let Some(v) = nonnull(parts.error).or_else(|| null_if(msg == MsgType::Reply)) {
                put_member(b"error\0", v);
            }
            if let Some(v) = nonnull(parts.id).or_else(|| null_if(msg == MsgType::Notify)) {
                put_member(b"id\0", v);
            }
            object
        }
    })
}

fn nonnull(j: *mut json) -> Option<*mut json> {
    (!j.is_null()).then_some(j)
}

/// Returns `m` as a JSON object text with members sorted by name, for the
/// caller to `free()`.
#[no_mangle]
pub unsafe extern "C" fn jsonrpc_msg_to_string(m: *const jsonrpc_msg) -> *mut c_char {
    boundary("jsonrpc_msg_to_string", || {
        // SAFETY: the caller passes a live message.
        malloc_string(&unsafe { msg_from_c(m) }.to_string_sorted())
    })
}
