//! Monitor conditions per table and their three stages, new, requested and
//! acknowledged (`struct ovsdb_cs_db_table` and `ovsdb_cs_db_*_condition`).

use std::collections::BTreeMap;

use crate::json::{Json, Object};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    False,
    True,
    Other,
}

/// `[]` and `[false]` select nothing, `[true]` everything
/// (`condition_classify`).
fn classify(cond: &Json) -> Kind {
    match cond.as_array() {
        Some([]) => Kind::False,
        Some([Json::Boolean(false)]) => Kind::False,
        Some([Json::Boolean(true)]) => Kind::True,
        _ => Kind::Other,
    }
}

fn equal(a: &Json, b: &Json) -> bool {
    let k = classify(a);
    k == classify(b) && (k != Kind::Other || a == b)
}

fn canonical(cond: &Json) -> Json {
    match classify(cond) {
        Kind::True => Json::array(vec![Json::Boolean(true)]),
        Kind::False => Json::array(vec![Json::Boolean(false)]),
        Kind::Other => cond.clone(),
    }
}

#[derive(Clone, Debug)]
struct TableCond {
    ack: Json,
    req: Option<Json>,
    new: Option<Json>,
}

/// The conditions of one database's tables.
#[derive(Clone, Debug, Default)]
pub struct Conditions {
    tables: BTreeMap<String, TableCond>,
    /// Set when a new condition waits to be sent (`cond_changed`).
    pub changed: bool,
    /// Counts acknowledged `monitor_cond_change` requests (`cond_seqno`).
    pub seqno: u32,
}

impl Conditions {
    /// Sets `table`'s condition; returns the condition seqno at which it
    /// will be in force (`ovsdb_cs_db_set_condition`).
    pub fn set(&mut self, table: &str, cond: &Json) -> u32 {
        let t = self
            .tables
            .entry(table.to_string())
            .or_insert_with(|| TableCond {
                ack: Json::array(vec![Json::Boolean(true)]),
                req: None,
                new: None,
            });
        let current = t.new.as_ref().or(t.req.as_ref()).unwrap_or(&t.ack);
        if !equal(cond, current) {
            t.new = Some(canonical(cond));
            self.changed = true;
        }
        if t.new.is_some() {
            let any_req = self.tables.values().any(|t| t.req.is_some());
            self.seqno.wrapping_add(u32::from(any_req)).wrapping_add(1)
        } else {
            let t = &self.tables[table];
            self.seqno.wrapping_add(u32::from(t.req.is_some()))
        }
    }

    /// The acknowledged condition of each table that has one, for the
    /// `where` of a new monitor request.
    pub fn acked(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.tables.iter().map(|(n, t)| (n.as_str(), &t.ack))
    }

    /// The `monitor_cond_change` requests for the new conditions, moving
    /// them to requested (`ovsdb_cs_db_compose_cond_change`).
    pub fn compose_change(&mut self) -> Option<Json> {
        if !self.changed {
            return None;
        }
        let mut requests = Object::new();
        for (name, t) in &mut self.tables {
            if let Some(new) = t.new.take() {
                let mut req = Object::new();
                req.insert("where", new.clone());
                requests.insert(name.as_str(), Json::array(vec![Json::object(req)]));
                t.req = Some(new);
            }
        }
        if requests.is_empty() {
            return None;
        }
        self.changed = false;
        Some(Json::object(requests))
    }

    /// The server acknowledged the requested conditions
    /// (`ovsdb_cs_db_ack_condition`).
    pub fn ack(&mut self) {
        for t in self.tables.values_mut() {
            if let Some(req) = t.req.take() {
                t.ack = req;
            }
        }
    }

    /// Sorts the conditions out for a restarted connection
    /// (`ovsdb_cs_db_sync_condition`). With no last id (`ack_all`), every
    /// condition counts as acknowledged: the new monitor request carries
    /// it. Otherwise in-flight requests are sent again and the caller must
    /// forget its last id: returns true then.
    pub fn sync(&mut self, ack_all: bool) -> bool {
        let mut forget_last_id = false;
        if ack_all {
            self.changed = false;
        }
        for t in self.tables.values_mut() {
            if ack_all {
                if let Some(new) = t.new.take() {
                    t.req = Some(new);
                }
                if let Some(req) = t.req.take() {
                    t.ack = req;
                }
            } else if let Some(req) = t.req.take() {
                if t.new.is_none() {
                    t.new = Some(req);
                }
                self.changed = true;
                forget_last_id = true;
            }
        }
        forget_last_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn j(s: &str) -> Json {
        json::from_str(s).unwrap()
    }

    #[test]
    fn same_condition_changes_nothing() {
        let mut c = Conditions::default();
        assert_eq!(c.set("T", &j("[true]")), 0);
        assert!(!c.changed);
        assert!(c.compose_change().is_none());
    }

    #[test]
    fn new_requested_acked() {
        let mut c = Conditions::default();
        let cond = j(r#"[["n","<",5]]"#);
        assert_eq!(c.set("T", &cond), 1);
        let req = c.compose_change().unwrap();
        assert_eq!(req.to_string(), r#"{"T":[{"where":[["n","<",5]]}]}"#);
        // Another change while one is in flight lands one seqno later.
        assert_eq!(c.set("T", &j("[false]")), 2);
        c.ack();
        c.seqno += 1;
        assert_eq!(c.acked().next().unwrap().1, &cond);
        assert_eq!(
            c.compose_change().unwrap().to_string(),
            r#"{"T":[{"where":[false]}]}"#
        );
    }

    #[test]
    fn sync_resends_in_flight_conditions_unless_acking_all() {
        let mut c = Conditions::default();
        c.set("T", &j(r#"[["n","<",5]]"#));
        c.compose_change();
        assert!(c.sync(false));
        assert!(c.changed);
        assert!(c.compose_change().is_some());
        assert!(!c.sync(true));
        assert_eq!(c.acked().next().unwrap().1, &j(r#"[["n","<",5]]"#));
    }
}
