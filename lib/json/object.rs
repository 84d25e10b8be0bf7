//! `Object`: JSON object members in insertion order, with lookup by name.

use std::fmt;
use std::sync::{Arc, OnceLock};

use super::hash::hash_name;
use super::value::Json;

/// Objects with at most this many members are searched linearly; larger ones
/// get a hash index.
const LINEAR_MAX: usize = 8;

/// Parsed objects with at most this many members get their index only at
/// the first lookup by name (many parsed objects, OVSDB rows among them,
/// are only ever iterated or serialized); their repeated names are found
/// by comparing names while parsing. Bigger ones are indexed while parsed.
const LAZY_MAX: usize = 32;

/// A JSON object: members kept in insertion order, found by name through a
/// hash index (objects of up to 8 members are simply scanned; the index of
/// a parsed object of up to 32 members is built at its first lookup).
///
/// A name appears at most once. Putting a name that is already present
/// replaces its value *in place*: the member keeps the position where it was
/// first inserted, as OVS's `shash_replace()` keeps its node (and as Python's
/// `dict` does). The parser applies the same rule to repeated names, so
/// `{"a":1,"b":2,"a":3}` reads as `{"a":3,"b":2}`.
///
/// Equality ignores member order (OVS's `json_equal`).
#[derive(Clone, Default)]
pub struct Object {
    entries: Vec<(Arc<str>, Json)>,
    /// Open-addressing table of all the entries, used only above
    /// `LINEAR_MAX` members; built when first needed if absent. Each slot
    /// holds `(hash >> 32) << 32 | (index + 1)`, 0 when empty.
    index: OnceLock<Box<[u64]>>,
}

#[inline]
fn slot_hash(h: u64) -> u64 {
    h & 0xffff_ffff_0000_0000
}

impl Object {
    /// An empty object.
    pub fn new() -> Object {
        Object::default()
    }

    /// An empty object with room for `n` members.
    pub fn with_capacity(n: usize) -> Object {
        Object {
            entries: Vec::with_capacity(n),
            index: OnceLock::new(),
        }
    }

    /// Builds an object from parsed members, in order, where a later
    /// repeated name replaces the earlier value at the earlier position.
    pub(crate) fn from_members(mut entries: Vec<(Arc<str>, Json)>) -> Object {
        if entries.len() <= LAZY_MAX {
            let mut i = 1;
            while i < entries.len() {
                let name = &entries[i].0;
                let same = |k: &Arc<str>| Arc::ptr_eq(k, name) || same_name(k, name);
                if let Some(j) = entries[..i].iter().position(|(k, _)| same(k)) {
                    let (_, v) = entries.remove(i);
                    entries[j].1 = v;
                } else {
                    i += 1;
                }
            }
            return Object {
                entries,
                index: OnceLock::new(),
            };
        }
        let mut table = vec![0u64; table_size(entries.len())].into_boxed_slice();
        let mut replaced = Vec::new();
        for i in 0..entries.len() {
            match probe(&table, &entries, &entries[i].0) {
                Ok(j) => {
                    let v = std::mem::take(&mut entries[i].1);
                    entries[j].1 = v;
                    replaced.push(i);
                }
                Err((slot, h)) => table[slot] = slot_hash(h) | (i as u64 + 1),
            }
        }
        if !replaced.is_empty() {
            // Rare: drop the later members whose values moved up, reindex.
            let mut i = 0;
            let mut next = replaced.iter().peekable();
            entries.retain(|_| {
                let keep = next.peek() != Some(&&i);
                if !keep {
                    next.next();
                }
                i += 1;
                keep
            });
            return Object {
                entries,
                index: OnceLock::new(),
            };
        }
        Object {
            entries,
            index: OnceLock::from(table),
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, name: &str) -> Option<usize> {
        if self.entries.len() <= LINEAR_MAX {
            return self.entries.iter().position(|(k, _)| &**k == name);
        }
        let table = self.index.get_or_init(|| build_table(&self.entries));
        probe(table, &self.entries, name).ok()
    }

    /// The value of member `name`.
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.find(name).map(|i| &self.entries[i].1)
    }

    /// The value of member `name`, for modification.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Json> {
        self.find(name).map(|i| &mut self.entries[i].1)
    }

    /// True if there is a member `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Puts member `name` (OVS's `json_object_put()`): a new name goes at the
    /// end, an existing one has its value replaced in place and the old value
    /// is returned.
    pub fn insert(&mut self, name: impl Into<Arc<str>>, value: impl Into<Json>) -> Option<Json> {
        let name = name.into();
        let value = value.into();
        if let Some(i) = self.find(&name) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        self.entries.push((name, value));
        let n = self.entries.len();
        match self.index.get_mut() {
            Some(table) if n * 2 <= table.len() => {
                let h = hash_name(&self.entries[n - 1].0);
                let slot = free_slot(table, h);
                table[slot] = slot_hash(h) | n as u64;
            }
            // Too small now: the next lookup builds a bigger one.
            Some(_) => self.index = OnceLock::new(),
            None => {}
        }
        None
    }

    /// Removes member `name` and returns its value. The other members keep
    /// their order; this costs time linear in the object's size.
    pub fn remove(&mut self, name: &str) -> Option<Json> {
        let i = self.find(name)?;
        let (_, v) = self.entries.remove(i);
        self.index = OnceLock::new();
        Some(v)
    }

    /// Removes every member.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = OnceLock::new();
    }

    /// The members in insertion order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self.entries.iter(),
        }
    }

    /// The members in insertion order, values modifiable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Json)> {
        self.entries.iter_mut().map(|(k, v)| (&**k, v))
    }

    /// The member names in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| &**k)
    }

    /// The member values in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &Json> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The members sorted by name in byte order (OVS's `shash_sort()`).
    pub fn sorted(&self) -> Vec<(&str, &Json)> {
        let mut v: Vec<(&str, &Json)> = self.iter().collect();
        v.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        v
    }

    /// The members with their shared names (cloning a name is cheap).
    pub fn entries(&self) -> &[(Arc<str>, Json)] {
        &self.entries
    }
}

/// `a == b`, looking at the lengths and the first and last bytes before
/// comparing the rest (the names of one object mostly differ there).
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.first() == b.first() && a.last() == b.last() && a == b
}

/// A table indexing `entries`, whose names are all different.
fn build_table(entries: &[(Arc<str>, Json)]) -> Box<[u64]> {
    let mut table = vec![0u64; table_size(entries.len())].into_boxed_slice();
    for (i, (k, _)) in entries.iter().enumerate() {
        let h = hash_name(k);
        let slot = free_slot(&table, h);
        table[slot] = slot_hash(h) | (i as u64 + 1);
    }
    table
}

/// The first empty slot on `h`'s probe sequence.
fn free_slot(table: &[u64], h: u64) -> usize {
    let mask = table.len() - 1;
    let mut slot = (h as usize) & mask;
    while table[slot] != 0 {
        slot = (slot + 1) & mask;
    }
    slot
}

fn table_size(n: usize) -> usize {
    (n * 2).next_power_of_two().max(32)
}

/// Looks `name` up: `Ok(entry index)` if present, else `Err((free slot,
/// hash))`. Only entries below `entries.len()` are considered.
#[inline]
fn probe(table: &[u64], entries: &[(Arc<str>, Json)], name: &str) -> Result<usize, (usize, u64)> {
    let h = hash_name(name);
    let mask = table.len() - 1;
    let mut slot = (h as usize) & mask;
    loop {
        let s = table[slot];
        if s == 0 {
            return Err((slot, h));
        }
        if slot_hash(s) == slot_hash(h) {
            let i = (s & 0xffff_ffff) as usize - 1;
            if i < entries.len() && &*entries[i].0 == name {
                return Ok(i);
            }
        }
        slot = (slot + 1) & mask;
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| v == w))
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over an object's members in insertion order.
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, (Arc<str>, Json)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a Json);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(k, v)| (&**k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Object {
    type Item = (&'a str, &'a Json);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Object {
    type Item = (Arc<str>, Json);
    type IntoIter = std::vec::IntoIter<(Arc<str>, Json)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<Arc<str>>, V: Into<Json>> FromIterator<(K, V)> for Object {
    /// Collects members; a repeated name replaces the earlier value in place.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Object {
        let mut o = Object::new();
        o.extend(iter);
        o
    }
}

impl<K: Into<Arc<str>>, V: Into<Json>> Extend<(K, V)> for Object {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}
