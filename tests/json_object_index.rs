//! Objects found by name at every size around the index thresholds: parsed
//! (with repeated names), then grown and shrunk, checked against a plain
//! list of members.

use ovsrpc::json::{self, Json};

/// The members `json` should hold: later values replace earlier ones in
/// place.
fn model(pairs: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = *v,
            None => out.push((k.clone(), *v)),
        }
    }
    out
}

fn check(obj: &json::Object, want: &[(String, i64)], what: &str) {
    assert_eq!(obj.len(), want.len(), "{what}: size");
    let got: Vec<(String, i64)> = obj
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_i64().unwrap()))
        .collect();
    assert_eq!(got, want, "{what}: members in order");
    for (k, v) in want {
        assert_eq!(obj.get(k), Some(&Json::from(*v)), "{what}: get {k}");
    }
    assert_eq!(obj.get("absent"), None, "{what}: absent name");
}

#[test]
fn lookups_at_every_size() {
    for n in 0..80usize {
        // Names of varied lengths; every fifth one repeated later.
        let mut pairs: Vec<(String, i64)> =
            (0..n).map(|i| (format!("m{}", i * 7), i as i64)).collect();
        for i in (0..n).step_by(5) {
            pairs.push((format!("m{}", i * 7), 1000 + i as i64));
        }
        let text = format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("\"{k}\":{v}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut want = model(&pairs);
        let mut value = json::from_str(&text).unwrap();
        let obj = value.as_object_mut().unwrap();
        check(obj, &want, &format!("parsed {n}"));

        // Grow past the index's room, replacing along the way.
        for i in 0..40i64 {
            let k = format!("new{i}");
            assert_eq!(obj.insert(k.as_str(), i), None);
            want.push((k, i));
            if i % 8 == 0 && !want.is_empty() {
                let k = want[0].0.clone();
                let old = obj.insert(k.as_str(), -i);
                assert_eq!(old, Some(Json::from(want[0].1)));
                want[0].1 = -i;
            }
        }
        check(obj, &want, &format!("grown {n}"));

        // Shrink back below every threshold.
        while want.len() > 3 {
            let (k, v) = want.remove(want.len() / 2);
            assert_eq!(obj.remove(&k), Some(Json::from(v)));
            if want.len() % 7 == 0 {
                check(obj, &want, &format!("shrunk {n} to {}", want.len()));
            }
        }
        check(obj, &want, &format!("shrunk {n}"));
    }
}
