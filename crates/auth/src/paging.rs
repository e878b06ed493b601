//! One paging engine for every provider: [`Paged`], the stream every `*_stream` method returns.
//!
//! A provider's list call says how to fetch a page from a cursor (XPKit's page tokens, iinked
//! Sign's `skip`, Xink's `offset`) and which cursor comes next; [`Paged`] does the rest, the same
//! way everywhere: it yields the items one by one, fetches the next page only when the items run
//! out, and stops with an error (code [`PAGING_LIMIT`]) instead of paging forever when
//!
//! * more than [`Paged::max_pages`] pages would be fetched (default [`DEFAULT_MAX_PAGES`]),
//! * [`Paged::max_empty_pages`] pages in a row bring no item but announce another (default
//!   [`DEFAULT_MAX_EMPTY_PAGES`]),
//! * or a cursor comes back that was already fetched (the list does not advance).
//!
//! Items already fetched are yielded before the error. The first error of a page fetch ends
//! the stream.

use crate::error::{Error, ErrorKind};
use futures::Stream;
use futures::future::BoxFuture;
use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};

/// How many pages a stream fetches at most before it stops with an error (default).
pub const DEFAULT_MAX_PAGES: u32 = 10_000;
/// How many empty pages in a row a stream accepts before it stops with an error (default).
pub const DEFAULT_MAX_EMPTY_PAGES: u32 = 5;
/// The error code of a stream stopped by a paging bound.
pub const PAGING_LIMIT: &str = "paging_limit";

/// One fetched page: its items and the cursor of the next page (`None` at the end).
#[derive(Clone, Debug, PartialEq)]
pub struct PageOf<T, C> {
    /// The items, in order.
    pub items: Vec<T>,
    /// Where the next page starts, `None` when this page is the last.
    pub next: Option<C>,
}

/// A type-erased page fetch.
type FetchPage<'a, T, C> =
    Box<dyn FnMut(Option<C>) -> BoxFuture<'a, Result<PageOf<T, C>, Error>> + Send + 'a>;

struct Bounds {
    max_pages: AtomicU32,
    max_empty: AtomicU32,
}

/// The stream of every item of a list, page after page, with the bounds described in the
/// [module docs](self). Set the bounds before the first poll:
///
/// ```
/// # use futures::TryStreamExt;
/// # async fn run() -> Result<(), sdk_auth::Error> {
/// // A list of three pages of two numbers, served by a closure.
/// let pages = sdk_auth::Paged::new("demo", "list_numbers", |cursor: Option<u32>| async move {
///     let start = cursor.unwrap_or(0);
///     let next = (start < 4).then_some(start + 2);
///     Ok(sdk_auth::PageOf { items: vec![start, start + 1], next })
/// });
/// let all: Vec<u32> = pages.max_pages(10).try_collect().await?;
/// assert_eq!(all, [0, 1, 2, 3, 4, 5]);
/// # Ok(()) }
/// ```
#[must_use = "a stream does nothing until polled"]
pub struct Paged<'a, T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>,
    bounds: Arc<Bounds>,
}

impl<T> std::fmt::Debug for Paged<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paged")
            .field("max_pages", &self.bounds.max_pages.load(Ordering::Relaxed))
            .field(
                "max_empty_pages",
                &self.bounds.max_empty.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl<'a, T: Send + 'a> Paged<'a, T> {
    /// A stream over the pages `fetch` returns: it is called with `None` for the first page and
    /// with each page's `next` cursor after that. `provider` and `operation` name the errors.
    pub fn new<C, F, Fut>(
        provider: impl Into<Cow<'static, str>>,
        operation: impl Into<Cow<'static, str>>,
        mut fetch: F,
    ) -> Self
    where
        C: Clone + Eq + Hash + Send + 'a,
        F: FnMut(Option<C>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<PageOf<T, C>, Error>> + Send + 'a,
    {
        let provider = provider.into();
        let operation = operation.into();
        let bounds = Arc::new(Bounds {
            max_pages: AtomicU32::new(DEFAULT_MAX_PAGES),
            max_empty: AtomicU32::new(DEFAULT_MAX_EMPTY_PAGES),
        });
        let limits = bounds.clone();
        let fetch: FetchPage<'a, T, C> = Box::new(move |cursor| Box::pin(fetch(cursor)));
        struct State<'a, T, C> {
            fetch: FetchPage<'a, T, C>,
            buffer: VecDeque<T>,
            cursor: Option<C>,
            seen: HashSet<C>,
            started: bool,
            done: bool,
            failure: Option<Error>,
            pages: u32,
            empty_run: u32,
        }
        let state = State {
            fetch,
            buffer: VecDeque::new(),
            cursor: None,
            seen: HashSet::new(),
            started: false,
            done: false,
            failure: None,
            pages: 0,
            empty_run: 0,
        };
        let stop = move |message: String, code: bool| {
            let e = Error::new(ErrorKind::Decode, message)
                .with_provider(provider.clone())
                .with_operation(operation.clone());
            if code { e.with_code(PAGING_LIMIT) } else { e }
        };
        let inner = futures::stream::unfold(state, move |mut st| {
            let limits = limits.clone();
            let stop = stop.clone();
            async move {
                loop {
                    if let Some(item) = st.buffer.pop_front() {
                        return Some((Ok(item), st));
                    }
                    if let Some(e) = st.failure.take() {
                        return Some((Err(e), st));
                    }
                    if st.done || (st.started && st.cursor.is_none()) {
                        return None;
                    }
                    let max_pages = limits.max_pages.load(Ordering::Relaxed);
                    if st.pages >= max_pages {
                        st.done = true;
                        return Some((
                            Err(stop(
                                format!(
                                    "paging stopped after {max_pages} pages (the stream's max_pages); more pages were announced"
                                ),
                                true,
                            )),
                            st,
                        ));
                    }
                    st.started = true;
                    st.pages += 1;
                    let page = match (st.fetch)(st.cursor.take()).await {
                        Ok(page) => page,
                        Err(e) => {
                            st.done = true;
                            return Some((Err(e), st));
                        }
                    };
                    if page.items.is_empty() {
                        st.empty_run += 1;
                    } else {
                        st.empty_run = 0;
                    }
                    st.buffer.extend(page.items);
                    st.cursor = page.next;
                    let max_empty = limits.max_empty.load(Ordering::Relaxed);
                    if st.cursor.is_some() && st.empty_run >= max_empty {
                        st.done = true;
                        st.cursor = None;
                        st.failure = Some(stop(
                            format!(
                                "paging stopped after {max_empty} empty pages in a row that each announced another page"
                            ),
                            true,
                        ));
                        continue;
                    }
                    if let Some(next) = &st.cursor
                        && !st.seen.insert(next.clone())
                    {
                        st.done = true;
                        st.cursor = None;
                        st.failure = Some(stop(
                            "paging did not advance (the same next page came back twice)".into(),
                            true,
                        ));
                    }
                }
            }
        });
        Paged {
            inner: Box::pin(inner),
            bounds,
        }
    }

    /// At most this many pages (at least 1; default [`DEFAULT_MAX_PAGES`]).
    pub fn max_pages(self, pages: u32) -> Self {
        self.bounds.max_pages.store(pages.max(1), Ordering::Relaxed);
        self
    }

    /// At most this many empty pages in a row that announce another page (at least 1; default
    /// [`DEFAULT_MAX_EMPTY_PAGES`]).
    pub fn max_empty_pages(self, pages: u32) -> Self {
        self.bounds.max_empty.store(pages.max(1), Ordering::Relaxed);
        self
    }
}

impl<T> Stream for Paged<'_, T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The items of a list answer whose shape is not documented: the answer itself when it is an
/// array, or its only array-valued member when it is an object. Anything else is a decode error
/// naming the operation (use the page call and read the JSON yourself).
pub fn json_array_items(
    value: serde_json::Value,
    provider: &'static str,
    operation: &'static str,
) -> Result<Vec<serde_json::Value>, Error> {
    let fail = |what: &str| {
        Error::new(
            ErrorKind::Decode,
            format!("the list answer {what}; its shape is not documented, so the stream cannot page it (call the page operation and read the JSON)"),
        )
        .with_provider(provider)
        .with_operation(operation)
    };
    match value {
        serde_json::Value::Array(items) => Ok(items),
        serde_json::Value::Object(map) => {
            let mut arrays = map.into_iter().filter_map(|(_, v)| match v {
                serde_json::Value::Array(items) => Some(items),
                _ => None,
            });
            match (arrays.next(), arrays.next()) {
                (Some(items), None) => Ok(items),
                (None, _) => Err(fail("has no list of items")),
                (Some(_), Some(_)) => Err(fail("has more than one list")),
            }
        }
        _ => Err(fail("is not a JSON array or object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{StreamExt, TryStreamExt};

    fn block<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn pages_until_the_end_and_stops_at_bounds() {
        let all: Vec<u32> = block(
            Paged::new("demo", "list", |c: Option<u32>| async move {
                let s = c.unwrap_or(0);
                Ok(PageOf {
                    items: vec![s],
                    next: (s < 2).then_some(s + 1),
                })
            })
            .try_collect(),
        )
        .unwrap();
        assert_eq!(all, [0, 1, 2]);

        // Endless list: the page bound stops it after the items fetched.
        let out: Vec<Result<u32, Error>> = block(
            Paged::new("demo", "list", |c: Option<u32>| async move {
                let s = c.unwrap_or(0);
                Ok(PageOf {
                    items: vec![s],
                    next: Some(s + 1),
                })
            })
            .max_pages(3)
            .collect(),
        );
        assert_eq!(out.len(), 4);
        let e = out[3].as_ref().unwrap_err();
        assert_eq!(e.code(), Some(PAGING_LIMIT));
        assert_eq!(e.operation(), Some("list"));

        // Empty pages that always announce another.
        let out: Vec<Result<u32, Error>> = block(
            Paged::new("demo", "list", |c: Option<u32>| async move {
                Ok(PageOf {
                    items: vec![],
                    next: Some(c.unwrap_or(0) + 1),
                })
            })
            .max_empty_pages(2)
            .collect(),
        );
        assert_eq!(out.len(), 1);
        assert!(
            out[0]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("2 empty pages")
        );

        // A cursor that repeats.
        let out: Vec<Result<u32, Error>> = block(
            Paged::new("demo", "list", |_c: Option<u32>| async move {
                Ok(PageOf {
                    items: vec![7],
                    next: Some(1),
                })
            })
            .collect(),
        );
        assert_eq!(out.len(), 3, "{out:?}");
        assert!(
            out[2]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("did not advance")
        );
    }

    #[test]
    fn undocumented_list_shapes() {
        let items = json_array_items(serde_json::json!([1, 2]), "x", "l").unwrap();
        assert_eq!(items.len(), 2);
        let items =
            json_array_items(serde_json::json!({"Total": 3, "Employees": [1]}), "x", "l").unwrap();
        assert_eq!(items.len(), 1);
        assert!(json_array_items(serde_json::json!({"a": [], "b": []}), "x", "l").is_err());
        assert!(json_array_items(serde_json::json!("x"), "x", "l").is_err());
    }
}
