//! Locks (`lock`, `steal`, `unlock` and the `locked`/`stolen`
//! notifications) and transactions (`transact`, replies matched by id, an
//! unknown outcome when the connection drops first) of the client's state
//! machine.

use crate::json::{Json, Object};
use crate::jsonrpc::{Msg, MsgType};
use crate::ovsdb::event::{Event, TxnOutcome};
use crate::ovsdb::state::State;

use super::Machine;

impl Machine {
    // Locks.

    pub(super) fn compose_lock_request(&mut self, method: &str) -> Msg {
        self.update_has_lock(false);
        self.lock_request_id = None;
        let name = self.lock_name.clone().unwrap_or_default();
        Msg::create_request(method, Json::array(vec![name.into()]))
    }

    fn update_has_lock(&mut self, has: bool) {
        if has && !self.has_lock {
            self.events.push(Event::Locked);
            self.is_lock_contended = false;
        }
        self.has_lock = has;
    }

    /// Sets the lock to hold (`None`: none), unlocking any other first
    /// (`ovsdb_cs_set_lock`).
    pub fn set_lock(&mut self, name: Option<&str>, connected: bool) {
        loop {
            let msg = if self.lock_name.is_some() && name != self.lock_name.as_deref() {
                let msg = self.compose_lock_request("unlock");
                self.lock_name = None;
                self.is_lock_contended = false;
                msg
            } else if let (Some(n), None) = (name, &self.lock_name) {
                self.lock_name = Some(n.to_string());
                let msg = self.compose_lock_request("lock");
                self.lock_request_id = msg.id.clone();
                msg
            } else {
                break;
            };
            if connected {
                self.send(msg);
            }
        }
    }

    /// Asks for the lock by stealing it from its holder (`steal`).
    pub fn steal_lock(&mut self, name: &str, connected: bool) {
        self.set_lock(None, connected);
        self.lock_name = Some(name.to_string());
        let msg = self.compose_lock_request("steal");
        self.lock_request_id = msg.id.clone();
        if connected {
            self.send(msg);
        }
    }

    /// A reply to the `lock` request or a `locked`/`stolen` notification
    /// (`ovsdb_cs_db_process_lock_replies`).
    pub(super) fn process_lock_replies(&mut self, msg: &Msg) -> bool {
        if msg.msg_type == MsgType::Reply
            && self.lock_request_id.is_some()
            && msg.id == self.lock_request_id
        {
            self.lock_request_id = None;
            let got = msg
                .result
                .as_ref()
                .and_then(|r| r.get("locked"))
                .and_then(Json::as_bool)
                .unwrap_or(false);
            self.update_has_lock(got);
            if !got {
                self.is_lock_contended = true;
            }
            return true;
        }
        if msg.msg_type == MsgType::Notify {
            let new_has_lock = match msg.method.as_deref() {
                Some("locked") => true,
                Some("stolen") => false,
                _ => return false,
            };
            let name = msg
                .params
                .as_ref()
                .and_then(|p| p.at(0))
                .and_then(Json::as_str);
            if let (Some(lock), Some(name)) = (&self.lock_name, name) {
                if lock == name {
                    self.update_has_lock(new_has_lock);
                    if !new_has_lock {
                        self.is_lock_contended = true;
                    }
                    return true;
                }
            }
        }
        false
    }

    // Transactions.

    /// The reply to a transaction in flight, reported as its end
    /// (`ovsdb_cs_db_txn_process_reply`).
    pub(super) fn process_txn_reply(&mut self, msg: &Msg) -> bool {
        let Some(i) = self.txns.iter().position(|id| Some(id) == msg.id.as_ref()) else {
            return false;
        };
        let id = self.txns.swap_remove(i);
        self.events.push(Event::TxnReply {
            id,
            outcome: TxnOutcome::Reply(msg.clone()),
        });
        true
    }

    /// True when a transaction may be sent now
    /// (`ovsdb_cs_may_send_transaction`).
    pub fn may_send_transaction(&self) -> bool {
        self.state == State::Monitoring && (self.lock_name.is_none() || self.has_lock)
    }

    /// Builds the `transact` request for `operations` (asserting the lock
    /// when one is set) and records it as in flight
    /// (`ovsdb_cs_send_transaction`).
    pub fn compose_transaction(&mut self, mut operations: Vec<Json>) -> Option<Msg> {
        if !self.may_send_transaction() {
            return None;
        }
        if let Some(lock) = &self.lock_name {
            let mut assertion = Object::new();
            assertion.insert("op", "assert");
            assertion.insert("lock", lock.as_str());
            operations.push(Json::object(assertion));
        }
        let mut params = vec![Json::from(self.data.name.as_str())];
        params.extend(operations);
        Some(Msg::create_request("transact", Json::array(params)))
    }

    /// Records a sent transaction as in flight.
    pub fn track_transaction(&mut self, id: Json) {
        self.txns.push(id);
    }

    /// Forgets a transaction: its reply, if one comes, is not reported
    /// (`ovsdb_cs_forget_transaction`).
    pub fn forget_transaction(&mut self, id: &Json) -> bool {
        match self.txns.iter().position(|t| t == id) {
            Some(i) => {
                self.txns.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Transactions in flight.
    pub fn n_transactions(&self) -> usize {
        self.txns.len()
    }
}
