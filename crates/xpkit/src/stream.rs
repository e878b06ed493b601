//! List queries (filters, ordering, paging, search) and paging streams.
//!
//! XPKit filters are query parameters named after document fields (`experience_id=…`,
//! `payload.object_id=…`, `field__in=a|b`, `field__gte=3`, …), which OpenAPI cannot declare, so
//! generated `list_*` calls take only the `x__*` parameters. [`ListQuery`] carries everything,
//! and every service client offers `list_page(path, &query)` and `list_stream(path, query)`.
//!
//! The stream follows `next_token` (sent back as `x__token`) while it is set, else `next` (sent
//! as `x__page`), and stops when both are null. A page cursor that repeats is an error rather
//! than an endless stream, and so are [`DEFAULT_MAX_EMPTY_PAGES`] empty pages in a row (a cursor
//! that always changes but never brings an item) and more than [`ListQuery::max_pages`] pages
//! (default [`DEFAULT_MAX_PAGES`]).

use progenitor_client::{ClientHooks, ClientInfo};
use reqwest::Method;
pub use sdk_auth::paging::{DEFAULT_MAX_EMPTY_PAGES, DEFAULT_MAX_PAGES, PAGING_LIMIT};
use sdk_auth::{AuthHooks, Error, ErrorKind, PageOf, Paged, RawRequest};
use serde::de::DeserializeOwned;

/// A comparison for [`ListQuery::filter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    /// `field=value`.
    Eq,
    /// `field__ne=value`.
    Ne,
    /// `field__gt=value`.
    Gt,
    /// `field__gte=value`.
    Gte,
    /// `field__lt=value`.
    Lt,
    /// `field__lte=value`.
    Lte,
}

/// Sort direction for [`ListQuery::order_by`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Ascending (`__asc`, XPKit's default).
    Asc,
    /// Descending (`__desc`).
    Desc,
}

/// Filters, ordering, page size and search for a list call, and the bounds of a stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListQuery {
    filters: Vec<(String, String)>,
    order: Vec<String>,
    limit: Option<u32>,
    search: Option<String>,
    max_pages: Option<u32>,
    max_empty_pages: Option<u32>,
}

impl ListQuery {
    /// No filter, XPKit's default order and page size (50).
    pub fn new() -> Self {
        Self::default()
    }

    /// `field=value` (dot notation reaches nested fields: `payload.object_id`).
    pub fn eq(self, field: impl Into<String>, value: impl ToString) -> Self {
        self.filter(field, Filter::Eq, value)
    }

    /// A comparison, e.g. `filter("payload.number_of_tickets", Filter::Gte, 3)`.
    pub fn filter(mut self, field: impl Into<String>, op: Filter, value: impl ToString) -> Self {
        let field = field.into();
        let name = match op {
            Filter::Eq => field,
            Filter::Ne => format!("{field}__ne"),
            Filter::Gt => format!("{field}__gt"),
            Filter::Gte => format!("{field}__gte"),
            Filter::Lt => format!("{field}__lt"),
            Filter::Lte => format!("{field}__lte"),
        };
        self.filters.push((name, value.to_string()));
        self
    }

    /// `field__in=v1|v2|…`: any of the values.
    pub fn one_of<I, V>(mut self, field: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: ToString,
    {
        let joined: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        self.filters
            .push((format!("{}__in", field.into()), joined.join("|")));
        self
    }

    /// Adds a sort key (`x__order_by=a__asc|b__desc`).
    pub fn order_by(mut self, field: impl Into<String>, order: Order) -> Self {
        let suffix = match order {
            Order::Asc => "__asc",
            Order::Desc => "__desc",
        };
        self.order.push(format!("{}{suffix}", field.into()));
        self
    }

    /// Page size (`x__limit`; XPKit's default is 50).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The most pages a stream fetches (default [`DEFAULT_MAX_PAGES`]); one more page is an
    /// error with code [`PAGING_LIMIT`], after the items already fetched.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages.max(1));
        self
    }

    /// The most empty pages in a row a stream accepts (default [`DEFAULT_MAX_EMPTY_PAGES`]);
    /// one more is an error with code [`PAGING_LIMIT`].
    pub fn max_empty_pages(mut self, pages: u32) -> Self {
        self.max_empty_pages = Some(pages.max(1));
        self
    }

    /// Search (`x__query`; only activities, profiles and resources; syntax not documented).
    pub fn search(mut self, query: impl Into<String>) -> Self {
        self.search = Some(query.into());
        self
    }

    /// The query parameters, in order: filters, `x__order_by`, `x__limit`, `x__query`, then the
    /// page cursor. Values are percent-encoded when sent (a `+` in a time zone becomes `%2B`).
    pub fn pairs(&self, cursor: Option<&Cursor>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .filters
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .cloned()
            .collect();
        if !self.order.is_empty() {
            out.push(("x__order_by".into(), self.order.join("|")));
        }
        if let Some(limit) = self.limit {
            out.push(("x__limit".into(), limit.to_string()));
        }
        if let Some(q) = &self.search {
            out.push(("x__query".into(), q.clone()));
        }
        match cursor {
            Some(Cursor::Token(t)) => out.push(("x__token".into(), t.clone())),
            Some(Cursor::Page(p)) => out.push(("x__page".into(), p.to_string())),
            None => {}
        }
        out
    }
}

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cursor {
    /// A page token (`x__token`).
    Token(String),
    /// A page number (`x__page`).
    Page(i64),
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub results: Vec<T>,
    /// How many documents match in all, when sent.
    pub count: Option<i64>,
    /// The next page's cursor (`next_token` preferred over `next`), `None` at the end.
    pub next: Option<Cursor>,
}

fn int(v: Option<&serde_json::Value>) -> Option<i64> {
    match v? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One document of a list or read answer with its document decoded into `T`: a view such as
/// `activities::types::Activity`, or `serde_json::Map<String, Value>` where XPKit documents no
/// view. The envelope's own fields are kept here.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Resource<T> {
    /// The document's id (a UUID in every example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Relative path with a trailing slash, e.g. `/api/activity/<uuid>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_url: Option<String>,
    /// The document.
    pub resource: T,
}

impl crate::common::types::XpKitResource {
    /// The document as its typed view (`activities::types::Activity`, `profiles::types::Profile`,
    /// …): a decode error, never a panic, when it does not fit.
    pub fn document<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_document(serde_json::Value::Object(self.resource.clone()))
    }

    /// The envelope with its document typed.
    pub fn typed<T: DeserializeOwned>(&self) -> Result<Resource<T>, Error> {
        Ok(Resource {
            resource_id: self.resource_id.clone(),
            resource_url: self.resource_url.clone(),
            resource: self.document()?,
        })
    }
}

fn decode_document<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!(
                "the document does not match {} (at line {} column {})",
                std::any::type_name::<T>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("the view"),
                e.line(),
                e.column()
            ),
        )
        .with_provider(crate::auth::PROVIDER)
    })
}

/// Fetches one page of `path`.
pub(crate) async fn fetch_page<C, I, T>(
    client: &C,
    hooks: &AuthHooks,
    operation: &'static str,
    path: &str,
    query: &ListQuery,
    cursor: Option<&Cursor>,
) -> Result<Page<T>, Error>
where
    C: ClientHooks<I> + ClientInfo<I>,
    T: DeserializeOwned,
{
    let mut request = RawRequest::new(client, hooks, Method::GET, path).operation(operation);
    for (k, v) in query.pairs(cursor) {
        request = request.query(k, v);
    }
    let value: serde_json::Value = request.send_json().await?;
    let decode = |m: String| {
        Error::new(ErrorKind::Decode, m)
            .with_provider(hooks.provider().to_owned())
            .with_operation(operation)
    };
    let Some(results) = value.get("results").and_then(|r| r.as_array()) else {
        return Err(decode("list response has no `results` array".into()));
    };
    let results = results
        .iter()
        .map(|item| serde_json::from_value::<T>(item.clone()))
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| {
            decode(format!(
                "a list item does not match the expected type (at line {} column {})",
                e.line(),
                e.column()
            ))
        })?;
    let next = match value
        .get("next_token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
    {
        Some(token) => Some(Cursor::Token(token.to_owned())),
        None => int(value.get("next")).map(Cursor::Page),
    };
    Ok(Page {
        results,
        count: int(value.get("count")),
        next,
    })
}

/// Every item of `path`, page after page, decoded as `T`, within the query's bounds. A path
/// that could not be built (a refused path parameter) is the stream's first and only item.
pub(crate) fn items<'a, C, I, T>(
    client: &'a C,
    hooks: &'a AuthHooks,
    operation: &'static str,
    path: Result<String, String>,
    query: ListQuery,
) -> Paged<'a, T>
where
    C: ClientHooks<I> + ClientInfo<I> + Sync,
    I: 'a,
    T: DeserializeOwned + Send + 'a,
{
    let max_pages = query.max_pages.unwrap_or(DEFAULT_MAX_PAGES);
    let max_empty = query.max_empty_pages.unwrap_or(DEFAULT_MAX_EMPTY_PAGES);
    let path = path.map_err(|message| {
        Error::config(message)
            .with_provider(hooks.provider().to_owned())
            .with_operation(operation)
    });
    Paged::new(
        hooks.provider().to_owned(),
        operation,
        move |cursor: Option<Cursor>| {
            let path = path.clone();
            let query = query.clone();
            async move {
                let path = path?;
                let page =
                    fetch_page::<C, I, T>(client, hooks, operation, &path, &query, cursor.as_ref())
                        .await?;
                Ok(PageOf {
                    items: page.results,
                    next: page.next,
                })
            }
        },
    )
    .max_pages(max_pages)
    .max_empty_pages(max_empty)
}

/// The typed stream of a generated `list_*_stream` method.
pub(crate) fn typed<'a, C, I, T>(
    client: &'a C,
    hooks: &'a AuthHooks,
    operation: &'static str,
    path: Result<String, String>,
    query: ListQuery,
) -> Paged<'a, Resource<T>>
where
    C: ClientHooks<I> + ClientInfo<I> + Sync,
    I: 'a,
    T: DeserializeOwned + Send + 'a,
{
    items(client, hooks, operation, path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_documented_names() {
        let q = ListQuery::new()
            .eq("experience_id", "gdc-2024")
            .filter("payload.number_of_tickets", Filter::Gte, 3)
            .one_of("product.colours", ["red", "green"])
            .filter("created", Filter::Gte, "2022-09-02T04:48:22+10:00")
            .eq("empty", "")
            .order_by("created", Order::Asc)
            .order_by("name", Order::Desc)
            .limit(20)
            .search("fts");
        let pairs = q.pairs(Some(&Cursor::Token("t2".into())));
        let expected: Vec<(String, String)> = [
            ("experience_id", "gdc-2024"),
            ("payload.number_of_tickets__gte", "3"),
            ("product.colours__in", "red|green"),
            ("created__gte", "2022-09-02T04:48:22+10:00"),
            ("x__order_by", "created__asc|name__desc"),
            ("x__limit", "20"),
            ("x__query", "fts"),
            ("x__token", "t2"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(pairs, expected);
        assert_eq!(
            ListQuery::new().pairs(Some(&Cursor::Page(3))),
            vec![("x__page".to_owned(), "3".to_owned())]
        );
    }
}
