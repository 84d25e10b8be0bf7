//! JSON-RPC 1.0 messages as OVS speaks them: request, notification, reply
//! and error reply.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::json::{serialize, Json, JsonType, Object, SerializeOptions, Sink};

/// The four kinds of JSON-RPC message, with OVS's numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum MsgType {
    /// A request: method, params, id.
    Request = 0,
    /// A notification: method, params, no id (null).
    Notify = 1,
    /// A successful reply: result, error null, id.
    Reply = 2,
    /// An error reply: error, result null, id.
    Error = 3,
}

impl MsgType {
    /// OVS's name for the type ("request", "notification", "reply",
    /// "error").
    pub fn as_str(self) -> &'static str {
        match self {
            MsgType::Request => "request",
            MsgType::Notify => "notification",
            MsgType::Reply => "reply",
            MsgType::Error => "error",
        }
    }
}

impl fmt::Display for MsgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON-RPC message. Members absent from the message are `None` (a JSON
/// `null` received for them is read as absent, as OVS does).
#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    /// What kind of message this is.
    pub msg_type: MsgType,
    /// Request or notification only.
    pub method: Option<String>,
    /// Request or notification only: a JSON array.
    pub params: Option<Json>,
    /// Successful reply only.
    pub result: Option<Json>,
    /// Error reply only.
    pub error: Option<Json>,
    /// Request or reply only.
    pub id: Option<Json>,
}

static NEXT_ID: AtomicU32 = AtomicU32::new(0);

/// A fresh request id from the process-wide counter.
pub fn create_id() -> Json {
    Json::Integer(NEXT_ID.fetch_add(1, Ordering::Relaxed) as i64)
}

impl Msg {
    fn new(
        msg_type: MsgType,
        method: Option<&str>,
        params: Option<Json>,
        result: Option<Json>,
        error: Option<Json>,
        id: Option<Json>,
    ) -> Msg {
        Msg {
            msg_type,
            method: method.map(str::to_string),
            params,
            result,
            error,
            id,
        }
    }

    /// A request for `method` with `params` (a JSON array) and a fresh id
    /// from the process-wide counter (read it back from `msg.id`).
    pub fn create_request(method: &str, params: Json) -> Msg {
        Msg::request_with_id(method, params, create_id())
    }

    /// A request with a caller-chosen id.
    pub fn request_with_id(method: &str, params: Json, id: Json) -> Msg {
        Msg::new(
            MsgType::Request,
            Some(method),
            Some(params),
            None,
            None,
            Some(id),
        )
    }

    /// A notification (a request that expects no reply).
    pub fn create_notify(method: &str, params: Json) -> Msg {
        Msg::new(
            MsgType::Notify,
            Some(method),
            Some(params),
            None,
            None,
            None,
        )
    }

    /// A successful reply to the request with `id`.
    pub fn create_reply(result: Json, id: &Json) -> Msg {
        Msg::new(
            MsgType::Reply,
            None,
            None,
            Some(result),
            None,
            Some(id.clone()),
        )
    }

    /// An error reply to the request with `id`.
    pub fn create_error(error: Json, id: &Json) -> Msg {
        Msg::new(
            MsgType::Error,
            None,
            None,
            None,
            Some(error),
            Some(id.clone()),
        )
    }

    /// Checks which members the message carries against its type, with
    /// OVS's rules and texts (e.g. `request must have "id"`).
    pub fn is_valid(&self) -> Result<(), String> {
        check_shape(
            self.msg_type,
            [
                self.method.is_some(),
                self.params.is_some(),
                self.result.is_some(),
                self.error.is_some(),
                self.id.is_some(),
            ],
            self.params
                .as_ref()
                .is_none_or(|p| p.json_type() == JsonType::Array),
        )
    }

    /// Reads a message from its JSON form, checking it as OVS's
    /// `jsonrpc_msg_from_json()` does, with its error texts: `message is
    /// not a JSON object`, `method is not a JSON string`, `message has
    /// unexpected member "NAME"`, or one of [`is_valid`](Msg::is_valid)'s.
    ///
    /// A member whose value is `null` counts as absent. The type follows
    /// from the members present: `result` makes a reply, else `error` an
    /// error reply, else `id` a request, else a notification.
    ///
    /// When `json` holds the only reference to its object (as a freshly
    /// parsed message does), the members are moved out, not copied.
    pub fn from_json(json: Json) -> Result<Msg, String> {
        let Json::Object(object) = json else {
            return Err("message is not a JSON object".to_string());
        };
        let object = Arc::try_unwrap(object).unwrap_or_else(|shared| (*shared).clone());
        let mut method = None;
        let mut params = None;
        let mut result = None;
        let mut error = None;
        let mut id = None;
        let mut unexpected: Option<Arc<str>> = None;
        for (name, value) in object {
            let slot = match &*name {
                "method" => {
                    // OVS checks "method" before anything else.
                    match value {
                        Json::String(s) => method = Some(String::from(&*s)),
                        _ => return Err("method is not a JSON string".to_string()),
                    }
                    continue;
                }
                "params" => &mut params,
                "result" => &mut result,
                "error" => &mut error,
                "id" => &mut id,
                _ => {
                    if unexpected.is_none() {
                        unexpected = Some(name);
                    }
                    continue;
                }
            };
            if !value.is_null() {
                *slot = Some(value);
            }
        }
        if let Some(name) = unexpected {
            return Err(format!("message has unexpected member \"{name}\""));
        }
        let msg_type = if result.is_some() {
            MsgType::Reply
        } else if error.is_some() {
            MsgType::Error
        } else if id.is_some() {
            MsgType::Request
        } else {
            MsgType::Notify
        };
        let msg = Msg {
            msg_type,
            method,
            params,
            result,
            error,
            id,
        };
        msg.is_valid()?;
        Ok(msg)
    }

    /// The message's JSON form, as it goes on the wire (OVS's
    /// `jsonrpc_msg_to_json()`): a reply carries `"error":null`, an error
    /// reply `"result":null`, a notification `"id":null`.
    pub fn to_json(&self) -> Json {
        let mut object = Object::with_capacity(4);
        self.for_each_member(|name, value| {
            let value = match value {
                Member::Method(m) => Json::string(m),
                Member::Value(v) => v.clone(),
                Member::Null => Json::Null,
            };
            object.insert(name, value);
        });
        Json::object(object)
    }

    /// Calls `f` for each member of the wire form, in OVS's order (method,
    /// params, result, error, id).
    #[inline]
    fn for_each_member<'a>(&'a self, mut f: impl FnMut(&'static str, Member<'a>)) {
        if let Some(method) = &self.method {
            f("method", Member::Method(method));
        }
        if let Some(params) = &self.params {
            f("params", Member::Value(params));
        }
        match &self.result {
            Some(r) => f("result", Member::Value(r)),
            None if self.msg_type == MsgType::Error => f("result", Member::Null),
            None => {}
        }
        match &self.error {
            Some(e) => f("error", Member::Value(e)),
            None if self.msg_type == MsgType::Reply => f("error", Member::Null),
            None => {}
        }
        match &self.id {
            Some(id) => f("id", Member::Value(id)),
            None if self.msg_type == MsgType::Notify => f("id", Member::Null),
            None => {}
        }
    }

    /// Appends the message's compact wire form (the text of
    /// [`to_json`](Msg::to_json)) to `out`, without building an
    /// intermediate JSON object.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        self.write_to_sink(out);
    }

    /// [`write_to`](Msg::write_to) for any serializer sink.
    pub(crate) fn write_to_sink<S: Sink>(&self, out: &mut S) {
        out.put("{");
        let mut first = true;
        self.for_each_member(|name, value| {
            put_member_name(out, &mut first, name);
            match value {
                Member::Method(m) => out.put_string(m),
                Member::Value(v) => serialize(v, out, SerializeOptions::COMPACT),
                Member::Null => out.put("null"),
            }
        });
        out.put("}");
    }

    /// The message as a JSON object text with members sorted by name
    /// (OVS's `jsonrpc_msg_to_string`).
    pub fn to_string_sorted(&self) -> String {
        self.to_json().to_string_with(SerializeOptions::SORTED)
    }

    /// OVS's debug-log description: `request, method="echo", params=[], id=0`.
    pub fn describe(&self) -> String {
        let mut s = String::from(self.msg_type.as_str());
        if let Some(method) = &self.method {
            s.push_str(&format!(", method=\"{method}\""));
        }
        for (name, value) in [
            ("params", &self.params),
            ("result", &self.result),
            ("error", &self.error),
            ("id", &self.id),
        ] {
            if let Some(v) = value {
                s.push_str(&format!(
                    ", {name}={}",
                    v.to_string_with(SerializeOptions::SORTED)
                ));
            }
        }
        s
    }
}

/// The members a message may have, in the order `check_shape` takes them.
pub(crate) const MEMBER_NAMES: [&str; 5] = ["method", "params", "result", "error", "id"];

/// [`Msg::is_valid`] on a message's shape: which of method, params,
/// result, error and id it has, and whether its params (if any) are an
/// array. The C API checks its own messages with it.
pub(crate) fn check_shape(
    msg_type: MsgType,
    present: [bool; 5],
    params_array: bool,
) -> Result<(), String> {
    if !params_array {
        return Err("\"params\" must be JSON array".to_string());
    }
    // method, params, result, error, id: must (true) or must not.
    let pattern: [bool; 5] = match msg_type {
        MsgType::Request => [true, true, false, false, true],
        MsgType::Notify => [true, true, false, false, false],
        MsgType::Reply => [false, false, true, false, true],
        MsgType::Error => [false, false, false, true, true],
    };
    for i in 0..5 {
        if present[i] != pattern[i] {
            return Err(format!(
                "{} must{} have \"{}\"",
                msg_type,
                if pattern[i] { "" } else { " not" },
                MEMBER_NAMES[i]
            ));
        }
    }
    Ok(())
}

/// One member of a message's wire form.
enum Member<'a> {
    Method(&'a str),
    Value(&'a Json),
    Null,
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_sorted())
    }
}

/// Writes `"NAME":` for the next member of an object being written to
/// `out`, with the comma before it unless it is the `first`. A message's
/// own member names go as one piece each.
#[inline]
pub(crate) fn put_member_name<S: Sink>(out: &mut S, first: &mut bool, name: &str) {
    let piece = match name {
        "method" => ",\"method\":",
        "params" => ",\"params\":",
        "result" => ",\"result\":",
        "error" => ",\"error\":",
        "id" => ",\"id\":",
        _ => {
            if !*first {
                out.put(",");
            }
            *first = false;
            out.put("\"");
            out.put(name);
            out.put("\":");
            return;
        }
    };
    out.put(if *first { &piece[1..] } else { piece });
    *first = false;
}
