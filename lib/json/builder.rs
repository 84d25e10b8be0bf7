//! The seam between the parser core and the values it makes: [`Builder`],
//! and [`JsonBuilder`], which makes [`Json`] trees.

use std::cell::Cell;
use std::sync::Arc;

use super::intern::Interner;
use super::object::Object;
use super::string::utf8;
use super::value::Json;
use super::work::Work;

/// What the parser core ([`Core`](super::parser::Core)) calls to make
/// values. The core does the lexing, the grammar, the positions and every
/// error (nesting depth included); a builder only makes nodes, bottom-up:
/// scalars as they are read, an array or object once it closes, from the
/// elements or members the core kept on its stacks. A builder's values are
/// owned: the ones an error leaves on the stacks are dropped, so a builder
/// of nodes in foreign memory frees them in its value's `Drop`.
pub(crate) trait Builder: Default + Sized {
    /// A finished value.
    type Value;
    /// A member name.
    type Name;

    /// `null`.
    fn null(&mut self) -> Self::Value;
    /// `true` or `false`.
    fn boolean(&mut self, b: bool) -> Self::Value;
    /// A number whose exact value is an integer within `i64`.
    fn integer(&mut self, i: i64) -> Self::Value;
    /// Any other number (finite).
    fn real(&mut self, r: f64) -> Self::Value;
    /// A string value, decoded and checked (valid UTF-8, no NUL).
    fn string(&mut self, s: &str) -> Self::Value;
    /// A member name, decoded and checked as a string value is.
    fn name(&mut self, s: &str) -> Self::Name;
    /// A string value from bytes that hold no escape and no control byte
    /// but are not yet checked as UTF-8; `None` if they are not UTF-8 (the
    /// core then reports the error). A builder that can find the string
    /// without the check (a cache of strings already made) overrides this.
    #[inline]
    fn string_bytes(&mut self, raw: &[u8]) -> Option<Self::Value> {
        utf8(raw).ok().map(|s| self.string(s))
    }
    /// A member name from bytes, as [`Builder::string_bytes`].
    #[inline]
    fn name_bytes(&mut self, raw: &[u8]) -> Option<Self::Name> {
        utf8(raw).ok().map(|s| self.name(s))
    }
    /// An array of `elements[start..]`, which it takes off the stack.
    fn array(&mut self, elements: &mut Vec<Self::Value>, start: usize) -> Self::Value;
    /// An object of `members[start..]`, in the order read, which it takes
    /// off the stack. A name read twice keeps its first position and its
    /// last value (OVS's `shash_replace()` rule).
    fn object(&mut self, members: &mut Vec<(Self::Name, Self::Value)>, start: usize)
        -> Self::Value;

    /// A member name of the top-level object (a stream's message reads
    /// its member names here); by default as [`name`](Self::name).
    #[inline]
    fn root_name(&mut self, s: &str) -> Self::Name {
        self.name(s)
    }

    /// A top-level member name from bytes, as
    /// [`name_bytes`](Self::name_bytes) is to [`name`](Self::name).
    #[inline]
    fn root_name_bytes(&mut self, raw: &[u8]) -> Option<Self::Name> {
        utf8(raw).ok().map(|s| self.root_name(s))
    }

    /// The top-level object, once it closes; by default as
    /// [`object`](Self::object). A builder of messages makes its message
    /// here from the members, without the object.
    #[inline]
    fn root_object(
        &mut self,
        members: &mut Vec<(Self::Name, Self::Value)>,
        start: usize,
    ) -> Self::Value {
        self.object(members, start)
    }

    /// True if the builder holds memory between values (a cache).
    fn holds_memory(&self) -> bool {
        false
    }

    /// The working memory (stacks and builder) a parser of this kind left
    /// on this thread between values, if any.
    fn take_spare() -> Option<Box<Work<Self>>> {
        None
    }
    /// Keeps working memory, emptied, for the next parser on this thread
    /// (by default it is freed).
    // Boxed: the spare moves between parsers and the thread as a pointer.
    #[allow(clippy::boxed_local)]
    fn keep_spare(_work: Box<Work<Self>>) {}
}

/// Moves `stack[start..]` into a new vector of just that size, copying the
/// elements in one go (`drain(..).collect()` moves them one by one). The
/// stack keeps its allocation: `split_off(0)` would hand it over instead.
#[inline]
fn take_from<T>(stack: &mut Vec<T>, start: usize) -> Vec<T> {
    if start == 0 {
        let mut taken = Vec::with_capacity(stack.len());
        taken.append(stack);
        return taken;
    }
    stack.split_off(start)
}

/// Makes [`Json`] values; short strings seen lately are shared through its
/// interner instead of allocated again.
#[derive(Default)]
pub(crate) struct JsonBuilder {
    interner: Interner,
}

thread_local! {
    /// This thread's spare working memory of `Json` parsers.
    static SPARE_WORK: Cell<Option<Box<Work<JsonBuilder>>>> = const { Cell::new(None) };
}

impl Builder for JsonBuilder {
    type Value = Json;
    type Name = Arc<str>;

    #[inline]
    fn null(&mut self) -> Json {
        Json::Null
    }

    #[inline]
    fn boolean(&mut self, b: bool) -> Json {
        Json::Boolean(b)
    }

    #[inline]
    fn integer(&mut self, i: i64) -> Json {
        Json::Integer(i)
    }

    #[inline]
    fn real(&mut self, r: f64) -> Json {
        Json::Real(r)
    }

    #[inline]
    fn string(&mut self, s: &str) -> Json {
        Json::String(self.interner.intern(s))
    }

    #[inline]
    fn name(&mut self, s: &str) -> Arc<str> {
        self.interner.intern(s)
    }

    #[inline]
    fn string_bytes(&mut self, raw: &[u8]) -> Option<Json> {
        self.interner.intern_bytes(raw).map(Json::String)
    }

    #[inline]
    fn name_bytes(&mut self, raw: &[u8]) -> Option<Arc<str>> {
        self.interner.intern_bytes(raw)
    }

    #[inline]
    fn array(&mut self, elements: &mut Vec<Json>, start: usize) -> Json {
        if start == elements.len() {
            // Empty arrays share one static node: no allocation.
            return Json::Array(Arc::default());
        }
        // One allocation holding the count and the elements, moved there
        // straight from the stack.
        Json::Array(elements.drain(start..).collect())
    }

    #[inline]
    fn object(&mut self, members: &mut Vec<(Arc<str>, Json)>, start: usize) -> Json {
        Json::Object(Arc::new(Object::from_members(take_from(members, start))))
    }

    fn holds_memory(&self) -> bool {
        self.interner.holds_memory()
    }

    fn take_spare() -> Option<Box<Work<JsonBuilder>>> {
        SPARE_WORK.try_with(Cell::take).ok().flatten()
    }

    fn keep_spare(work: Box<Work<JsonBuilder>>) {
        let _ = SPARE_WORK.try_with(|c| c.set(Some(work)));
    }
}

#[cfg(test)]
mod tests {
    //! A second builder and tree, as a C node builder would be: nodes that
    //! own their children, counted while alive, serialized through
    //! [`Node`](crate::json::serializer::Node).

    use std::cell::Cell;

    use super::*;
    use crate::json::parser::Core;
    use crate::json::serializer::{serialize, Node, View};
    use crate::json::SerializeOptions;

    thread_local! {
        static LIVE: Cell<i64> = const { Cell::new(0) };
    }

    /// A node of the test tree; objects keep names in insertion order.
    enum Kind {
        Null,
        Bool(bool),
        Int(i64),
        Real(f64),
        Str(String),
        Array(Vec<T>),
        Object(Vec<(String, T)>),
    }

    struct T(Kind);

    impl T {
        fn new(kind: Kind) -> T {
            LIVE.with(|l| l.set(l.get() + 1));
            T(kind)
        }
    }

    impl Drop for T {
        fn drop(&mut self) {
            LIVE.with(|l| l.set(l.get() - 1));
        }
    }

    #[derive(Default)]
    struct TBuilder;

    impl Builder for TBuilder {
        type Value = T;
        type Name = String;
        fn null(&mut self) -> T {
            T::new(Kind::Null)
        }
        fn boolean(&mut self, b: bool) -> T {
            T::new(Kind::Bool(b))
        }
        fn integer(&mut self, i: i64) -> T {
            T::new(Kind::Int(i))
        }
        fn real(&mut self, r: f64) -> T {
            T::new(Kind::Real(r))
        }
        fn string(&mut self, s: &str) -> T {
            T::new(Kind::Str(s.to_string()))
        }
        fn name(&mut self, s: &str) -> String {
            s.to_string()
        }
        fn array(&mut self, elements: &mut Vec<T>, start: usize) -> T {
            T::new(Kind::Array(elements.split_off(start)))
        }
        fn object(&mut self, members: &mut Vec<(String, T)>, start: usize) -> T {
            // OVS's rule: a repeated name keeps its place, takes the value.
            let mut out: Vec<(String, T)> = Vec::new();
            for (name, value) in members.drain(start..) {
                match out.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = value,
                    None => out.push((name, value)),
                }
            }
            T::new(Kind::Object(out))
        }
    }

    fn member((name, value): &(String, T)) -> (&str, &T) {
        (name, value)
    }

    impl Node for T {
        type Elements<'a> = std::slice::Iter<'a, T>;
        type Members<'a> =
            std::iter::Map<std::slice::Iter<'a, (String, T)>, fn(&(String, T)) -> (&str, &T)>;
        fn view(&self) -> View<'_, T> {
            match &self.0 {
                Kind::Null => View::Null,
                Kind::Bool(b) => View::Boolean(*b),
                Kind::Int(i) => View::Integer(*i),
                Kind::Real(r) => View::Real(*r),
                Kind::Str(s) => View::String(s),
                Kind::Array(a) => View::Array(a.iter()),
                Kind::Object(o) => {
                    let f: fn(&(String, T)) -> (&str, &T) = member;
                    View::Object(o.iter().map(f))
                }
            }
        }
    }

    const TEXT: &str = crate::json::SAMPLE_UPDATE;

    /// Parses `text` through the test builder, `step` bytes at a time.
    fn parse_t(text: &str, step: usize) -> Result<T, crate::json::Error> {
        Core::<TBuilder>::parse_chunks(text.as_bytes(), step)
    }

    #[test]
    fn second_builder_and_tree_match_the_json_path() {
        let json = crate::json::from_str(TEXT).unwrap();
        for options in [SerializeOptions::COMPACT, SerializeOptions::PRETTY_SORTED] {
            let expected = json.to_string_with(options);
            for step in [1, 2, 7, 64, TEXT.len()] {
                let tree = parse_t(TEXT, step).unwrap();
                let mut out = String::new();
                serialize(&tree, &mut out, options);
                assert_eq!(out, expected, "step {step}, {options:?}");
            }
        }
        assert_eq!(LIVE.with(Cell::get), 0, "every node freed");
    }

    #[test]
    fn errors_are_the_cores_and_free_every_node() {
        let deep = format!("{}1{}", "[".repeat(1001), "]".repeat(1001));
        for text in [
            r#"{"a":[1,2,{"b":"c"}],"d":[true,]}"#,
            r#"[1,"x",{"y":[2,3"#,
            r#"{"a":{"b":"\u0000"}}"#,
            deep.as_str(),
        ] {
            let expected = crate::json::from_str(text).unwrap_err().to_string();
            for step in [1, 3, text.len()] {
                let err = parse_t(text, step).err().expect("an error");
                assert_eq!(err.to_string(), expected, "step {step}");
                assert_eq!(LIVE.with(Cell::get), 0, "nodes left after an error");
            }
        }
    }

    #[test]
    fn parsers_between_values_hold_no_memory_however_they_interleave() {
        use crate::json::Parser;
        let first = br#"{"a":[1,2,3],"b":{"c":"d"}}"#;
        // Enough short strings for the interner to set up its table.
        let many: String = format!(
            "[{}]",
            (0..200)
                .map(|i| format!("\"s{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        for order in [false, true] {
            let (mut p, mut q) = (Parser::new(), Parser::new());
            assert!(!p.holds_memory() && !q.holds_memory());
            // Both half-way through a value at once.
            p.feed(&first[..10]);
            q.feed(&many.as_bytes()[..many.len() / 2]);
            assert!(p.holds_memory() && q.holds_memory());
            let (a, b) = if order {
                (&mut p, &mut q)
            } else {
                (&mut q, &mut p)
            };
            let rest = |x: &mut Parser| {
                if x.bytes_consumed() == 10 {
                    x.feed(&first[10..]);
                } else {
                    x.feed(&many.as_bytes()[many.len() / 2..]);
                }
                assert!(x.is_done());
                x.finish().unwrap();
            };
            rest(a);
            rest(b);
            assert!(!p.holds_memory(), "p holds memory (order {order})");
            assert!(!q.holds_memory(), "q holds memory (order {order})");
        }
    }
}
