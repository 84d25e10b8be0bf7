//! JSON-RPC 1.0 messages as OVS speaks them: request, notification, reply
//! and error reply.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::json::{Json, JsonType, Object, SerializeOptions};

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
        if let Some(params) = &self.params {
            if params.json_type() != JsonType::Array {
                return Err("\"params\" must be JSON array".to_string());
            }
        }
        // method, params, result, error, id: must (true) or must not.
        let pattern: [bool; 5] = match self.msg_type {
            MsgType::Request => [true, true, false, false, true],
            MsgType::Notify => [true, true, false, false, false],
            MsgType::Reply => [false, false, true, false, true],
            MsgType::Error => [false, false, false, true, true],
        };
        let present = [
            self.method.is_some(),
            self.params.is_some(),
            self.result.is_some(),
            self.error.is_some(),
            self.id.is_some(),
        ];
        let names = ["method", "params", "result", "error", "id"];
        for i in 0..5 {
            if present[i] != pattern[i] {
                return Err(format!(
                    "{} must{} have \"{}\"",
                    self.msg_type,
                    if pattern[i] { "" } else { " not" },
                    names[i]
                ));
            }
        }
        Ok(())
    }

    /// Reads a message from its JSON form, checking it as OVS does.
    pub fn from_json(json: Json) -> Result<Msg, String> {
        let Some(object) = json.as_object() else {
            return Err("message is not a JSON object".to_string());
        };
        let method = match object.get("method") {
            None => None,
            Some(m) => match m.as_str() {
                Some(s) => Some(s.to_string()),
                None => return Err("method is not a JSON string".to_string()),
            },
        };
        // A JSON null stands for an absent member, as in OVS.
        let member = |name: &str| object.get(name).filter(|v| !v.is_null()).cloned();
        let params = member("params");
        let result = member("result");
        let error = member("error");
        let id = member("id");
        if let Some(other) = object
            .keys()
            .find(|k| !matches!(*k, "method" | "params" | "result" | "error" | "id"))
        {
            return Err(format!("message has unexpected member \"{other}\""));
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

    /// The message's JSON form, as it goes on the wire (a reply carries
    /// `"error":null`, an error reply `"result":null`, a notification
    /// `"id":null`).
    pub fn to_json(&self) -> Json {
        let mut members: Vec<(&str, Json)> = Vec::with_capacity(4);
        self.for_each_member(|name, value| members.push((name, value.clone())));
        let mut object = Object::with_capacity(members.len());
        for (name, value) in members {
            object.insert(name, value);
        }
        Json::object(object)
    }

    fn for_each_member(&self, mut f: impl FnMut(&'static str, &Json)) {
        let null = Json::Null;
        if let Some(method) = &self.method {
            f("method", &Json::string(method.as_str()));
        }
        if let Some(params) = &self.params {
            f("params", params);
        }
        match &self.result {
            Some(r) => f("result", r),
            None if self.msg_type == MsgType::Error => f("result", &null),
            None => {}
        }
        match &self.error {
            Some(e) => f("error", e),
            None if self.msg_type == MsgType::Reply => f("error", &null),
            None => {}
        }
        match &self.id {
            Some(id) => f("id", id),
            None if self.msg_type == MsgType::Notify => f("id", &null),
            None => {}
        }
    }

    /// Appends the message's compact wire form to `out`, without building
    /// an intermediate JSON object.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        self.for_each_member(|name, value| {
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            value.write_to_vec(out, SerializeOptions::COMPACT);
        });
        out.push(b'}');
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

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_sorted())
    }
}
