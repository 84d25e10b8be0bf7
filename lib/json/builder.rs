//! The seam between the parser core and the values it makes: [`Builder`],
//! and [`JsonBuilder`], which makes [`Json`] trees.

use std::cell::Cell;
use std::sync::Arc;

use super::intern::Interner;
use super::object::Object;
use super::parser::Work;
use super::value::Json;

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
    /// An array of `elements[start..]`, which it takes off the stack.
    fn array(&mut self, elements: &mut Vec<Self::Value>, start: usize) -> Self::Value;
    /// An object of `members[start..]`, in the order read, which it takes
    /// off the stack. A name read twice keeps its first position and its
    /// last value (OVS's `shash_replace()` rule).
    fn object(&mut self, members: &mut Vec<(Self::Name, Self::Value)>, start: usize)
        -> Self::Value;

    /// The working memory (stacks and builder) a parser of this kind left
    /// on this thread between values, if any.
    fn take_spare() -> Option<Work<Self>> {
        None
    }
    /// Keeps a parser's working memory, emptied, for the next parser on
    /// this thread (by default it is freed).
    fn keep_spare(_work: Work<Self>) {}
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
    static SPARE_WORK: Cell<Option<Work<JsonBuilder>>> = const { Cell::new(None) };
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
    fn array(&mut self, elements: &mut Vec<Json>, start: usize) -> Json {
        Json::Array(Arc::new(take_from(elements, start)))
    }

    #[inline]
    fn object(&mut self, members: &mut Vec<(Arc<str>, Json)>, start: usize) -> Json {
        Json::Object(Arc::new(Object::from_members(take_from(members, start))))
    }

    fn take_spare() -> Option<Work<JsonBuilder>> {
        SPARE_WORK.try_with(Cell::take).ok().flatten()
    }

    fn keep_spare(work: Work<JsonBuilder>) {
        let _ = SPARE_WORK.try_with(|c| c.set(Some(work)));
    }
}
