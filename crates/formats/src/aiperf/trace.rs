//! `trace_data` (formats.md §3.3) in its three layouts, normalised into one
//! [`Trace`].
//!
//! * [`TraceLayout::Released`] (AIPerf 0.5+, `--export-http-trace`):
//!   `request_chunks`/`response_chunks` as `[ts_ns, size]` pairs, totals,
//!   computed `sending_ns`/`waiting_ns`/`receiving_ns`, aiohttp connection
//!   events (`tcp_connect_*`, `connection_reused_ns`, `dns_cache_hit_ns`,
//!   `dns_lookup_*`, `connection_pool_wait_*`) and their durations
//!   (`blocked_ns`, `dns_lookup_ns`, `connecting_ns`).
//! * [`TraceLayout::ParallelArrays`] (the Nov-2025 prototype models):
//!   `request_write_timestamps_ns`/`request_write_sizes_bytes` and
//!   `response_receive_timestamps_ns`/`response_receive_sizes_bytes`.
//! * [`TraceLayout::Script`]: the keys the prototype `analyze_trace_data.py`
//!   reads (`request_start_ns`/`request_end_ns` for sending,
//!   `connection_queued_*`, `connection_create_*`, `connection_reuseconn_ns`,
//!   `dns_resolvehost_*`, `tls_handshake_*`, `request_chunk_sizes`,
//!   `request_exception_ns`, `response_status`), which no release wrote.
//!
//! Connection and DNS keys of every layout are read whatever the layout,
//! because the prototypes mixed them. Durations the export computed are
//! preferred over recomputing them from events, so the figures agree with
//! AIPerf's own `http_req_*` metrics.

use super::de::opt_i64 as de_opt_i64;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Which layout a record's trace data used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceLayout {
    /// `request_chunks`/`response_chunks` pairs (released).
    Released,
    /// Parallel timestamp/size arrays (prototype models).
    ParallelArrays,
    /// The prototype analysis script's keys.
    Script,
}

impl TraceLayout {
    /// Name for messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            TraceLayout::Released => "released",
            TraceLayout::ParallelArrays => "parallel_arrays",
            TraceLayout::Script => "script",
        }
    }
}

/// How the request's host name was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dns {
    /// No DNS event (a reused connection, or an IP address).
    None,
    /// Served from aiohttp's DNS cache.
    CacheHit,
    /// Resolved (cache miss or a lookup).
    Lookup,
}

/// One request's HTTP trace, layout-independent. Times are ns since the
/// epoch, durations ns.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Source layout.
    pub layout: TraceLayout,
    /// Request started being sent.
    pub send_start_ns: Option<i64>,
    /// Last request byte written.
    pub send_end_ns: Option<i64>,
    /// Response body chunks as transport reads: `(ts_ns, size_bytes)`; the
    /// size is 0 when the layout had timestamps only.
    pub response_chunks: Vec<(i64, i64)>,
    /// Number of response chunks: the list's length, else the export's
    /// `response_chunks_count` (AIPerf 0.13 writes the count but leaves the
    /// list empty unless chunk collection is enabled internally).
    pub chunk_count: Option<u64>,
    /// First response body byte.
    pub first_byte_ns: Option<i64>,
    /// Last response body byte.
    pub last_byte_ns: Option<i64>,
    /// Request bytes written.
    pub request_bytes: Option<i64>,
    /// Response bytes read.
    pub response_bytes: Option<i64>,
    /// `Some(true)` the connection was reused, `Some(false)` created,
    /// `None` the trace does not say.
    pub reused: Option<bool>,
    /// Time waiting for a pooled connection.
    pub pool_wait_ns: Option<i64>,
    /// Connection establishment (TCP, plus TLS when traced).
    pub connect_ns: Option<i64>,
    /// DNS outcome.
    pub dns: Dns,
    /// DNS resolution time (lookups only).
    pub dns_ns: Option<i64>,
    /// Export-computed `sending_ns`.
    pub sending_ns: Option<i64>,
    /// Export-computed `waiting_ns`.
    pub waiting_ns: Option<i64>,
    /// Export-computed `receiving_ns`.
    pub receiving_ns: Option<i64>,
    /// HTTP status code.
    pub status: Option<i64>,
    /// A transport error was traced (`error_timestamp_ns`,
    /// `request_exception_ns`).
    pub transport_error: bool,
    /// Fields of the wrong shape, left out (`trace_data.request_chunks`
    /// holding a string): counted by the reader, the record kept.
    pub bad_fields: Vec<&'static str>,
}

/// Sum that saturates: sizes come from the input and may be absurd.
fn sum(v: &[i64]) -> i64 {
    v.iter().fold(0i64, |a, x| a.saturating_add(*x))
}

fn diff(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    b?.checked_sub(a?)
}

impl Trace {
    /// Request send time: start to last byte written.
    pub fn sending(&self) -> Option<i64> {
        self.sending_ns
            .or_else(|| diff(self.send_start_ns, self.send_end_ns))
    }

    /// Time to first byte: request sent to first response body byte
    /// (AIPerf's `http_req_waiting`; includes server processing).
    pub fn ttfb(&self) -> Option<i64> {
        self.waiting_ns
            .or_else(|| diff(self.send_end_ns, self.first_byte_ns))
    }

    /// Time to last byte: request sent to last response byte.
    pub fn ttlb(&self) -> Option<i64> {
        diff(self.send_end_ns, self.last_byte_ns)
    }

    /// Transfer time: first to last response byte (0 for one chunk).
    pub fn receiving(&self) -> Option<i64> {
        self.receiving_ns
            .or_else(|| diff(self.first_byte_ns, self.last_byte_ns))
    }
}

/// The lists of a trace, read leniently: a list of the wrong shape
/// (`"request_chunks": "abc"`) is left out and named, so the record is kept
/// and the bad field counted (issue 17 item 12), instead of the whole line
/// being dropped as "not JSON".
#[derive(Debug, Default)]
struct Lists {
    request_chunks: Option<Vec<(i64, i64)>>,
    request_write_timestamps_ns: Option<Vec<i64>>,
    request_write_sizes_bytes: Option<Vec<i64>>,
    response_receive_timestamps_ns: Option<Vec<i64>>,
    response_receive_sizes_bytes: Option<Vec<i64>>,
    request_chunk_sizes: Option<Vec<i64>>,
}

/// Parses one list; `None` (and `name` added to `bad`) when it has the
/// wrong shape; `None` alone for `null`.
fn list<T: serde::de::DeserializeOwned>(
    raw: Option<&RawValue>,
    name: &'static str,
    bad: &mut Vec<&'static str>,
) -> Option<Vec<T>> {
    match serde_json::from_str::<Option<Vec<T>>>(raw?.get()) {
        Ok(v) => v,
        Err(_) => {
            bad.push(name);
            None
        }
    }
}

/// Every key of every layout; all optional.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawTrace<'a> {
    // Released.
    #[serde(default, borrow)]
    request_chunks: Option<&'a RawValue>,
    /// Raw text, scanned by [`super::fastlist::pairs`] (the biggest list
    /// of a record).
    #[serde(default, borrow)]
    response_chunks: Option<&'a RawValue>,
    /// `response_chunks` already read by the line-level fast path.
    #[serde(skip)]
    pub(crate) prefetched: Option<Vec<(i64, i64)>>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    request_send_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    request_send_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    request_bytes_total: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    response_chunks_count: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    response_bytes_total: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    response_status_code: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    response_receive_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    response_receive_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    error_timestamp_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    sending_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    waiting_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    receiving_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_pool_wait_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_pool_wait_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    tcp_connect_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    tcp_connect_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_reused_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    dns_cache_hit_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    dns_cache_miss_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    dns_lookup_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    dns_lookup_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    blocked_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    dns_lookup_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connecting_ns: Option<i64>,
    // Parallel arrays (prototype models) and the script's response lists.
    #[serde(default, borrow)]
    request_write_timestamps_ns: Option<&'a RawValue>,
    #[serde(default, borrow)]
    request_write_sizes_bytes: Option<&'a RawValue>,
    #[serde(default, borrow)]
    response_receive_timestamps_ns: Option<&'a RawValue>,
    #[serde(default, borrow)]
    response_receive_sizes_bytes: Option<&'a RawValue>,
    // Prototype script keys.
    #[serde(default, deserialize_with = "de_opt_i64")]
    request_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    request_end_ns: Option<i64>,
    #[serde(default, borrow)]
    request_chunk_sizes: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_queued_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_queued_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_create_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_create_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    connection_reuseconn_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    dns_resolvehost_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    dns_resolvehost_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    tls_handshake_start_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    tls_handshake_end_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    request_exception_ns: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_i64")]
    response_status: Option<i64>,
}

impl RawTrace<'_> {
    /// Which of the three layouts the trace has (formats.md §3.3); `None`
    /// for an empty object.
    fn layout(&self, response_chunks_listed: bool) -> Option<TraceLayout> {
        let r = self;
        Some(if r.request_chunks.is_some() || response_chunks_listed {
            TraceLayout::Released
        } else if r.request_write_timestamps_ns.is_some() || r.request_write_sizes_bytes.is_some() {
            TraceLayout::ParallelArrays
        } else if r.response_receive_timestamps_ns.is_some()
            || r.request_start_ns.is_some()
            || r.connection_create_start_ns.is_some()
            || r.connection_reuseconn_ns.is_some()
            || r.dns_resolvehost_start_ns.is_some()
        {
            TraceLayout::Script
        } else if r.request_send_start_ns.is_some() || r.response_receive_start_ns.is_some() {
            // Released, with chunk lists left out.
            TraceLayout::Released
        } else {
            return None;
        })
    }

    /// Send start, send end and request bytes, as `layout` records them.
    fn request_side(
        &self,
        l: &Lists,
        layout: TraceLayout,
    ) -> (Option<i64>, Option<i64>, Option<i64>) {
        let r = self;
        match layout {
            TraceLayout::Released => (
                r.request_send_start_ns,
                r.request_send_end_ns
                    .or_else(|| l.request_chunks.as_ref()?.last().map(|c| c.0)),
                r.request_bytes_total.or_else(|| {
                    l.request_chunks
                        .as_ref()
                        .map(|c| c.iter().fold(0i64, |a, x| a.saturating_add(x.1)))
                }),
            ),
            TraceLayout::ParallelArrays => {
                let ts = l.request_write_timestamps_ns.as_deref().unwrap_or(&[]);
                (
                    r.request_send_start_ns
                        .or(r.request_start_ns)
                        .or(ts.first().copied()),
                    r.request_send_end_ns
                        .or(r.request_end_ns)
                        .or(ts.last().copied()),
                    r.request_bytes_total
                        .or_else(|| l.request_write_sizes_bytes.as_ref().map(|s| sum(s))),
                )
            }
            TraceLayout::Script => (
                r.request_start_ns,
                r.request_end_ns,
                l.request_chunk_sizes.as_ref().map(|s| sum(s)),
            ),
        }
    }

    /// The normalised trace; `None` for an empty object (the prototype
    /// script skips those too).
    pub(crate) fn normalise(self) -> Option<Trace> {
        let mut r = self;
        // `null` arrives as a raw `null`; other shapes fall back to serde.
        let prefetched = r.prefetched.take();
        let mut bad_fields = Vec::new();
        let response_chunks_list: Option<Vec<(i64, i64)>> = prefetched.or_else(|| {
            r.response_chunks.and_then(|raw| {
                super::fastlist::pairs(raw.get())
                    .or_else(|| list(Some(raw), "trace_data.response_chunks", &mut bad_fields))
            })
        });
        let l = Lists {
            request_chunks: list(
                r.request_chunks,
                "trace_data.request_chunks",
                &mut bad_fields,
            ),
            request_write_timestamps_ns: list(
                r.request_write_timestamps_ns,
                "trace_data.request_write_timestamps_ns",
                &mut bad_fields,
            ),
            request_write_sizes_bytes: list(
                r.request_write_sizes_bytes,
                "trace_data.request_write_sizes_bytes",
                &mut bad_fields,
            ),
            response_receive_timestamps_ns: list(
                r.response_receive_timestamps_ns,
                "trace_data.response_receive_timestamps_ns",
                &mut bad_fields,
            ),
            response_receive_sizes_bytes: list(
                r.response_receive_sizes_bytes,
                "trace_data.response_receive_sizes_bytes",
                &mut bad_fields,
            ),
            request_chunk_sizes: list(
                r.request_chunk_sizes,
                "trace_data.request_chunk_sizes",
                &mut bad_fields,
            ),
        };
        let layout = r.layout(response_chunks_list.is_some())?;
        let (send_start_ns, send_end_ns, request_bytes) = r.request_side(&l, layout);
        let response_chunks: Vec<(i64, i64)> = match response_chunks_list {
            Some(c) => c,
            None => {
                let ts = l.response_receive_timestamps_ns.unwrap_or_default();
                let sizes = l.response_receive_sizes_bytes.unwrap_or_default();
                ts.iter()
                    .enumerate()
                    .map(|(i, &t)| (t, sizes.get(i).copied().unwrap_or(0)))
                    .collect()
            }
        };
        let first_byte_ns = r
            .response_receive_start_ns
            .or(response_chunks.first().map(|c| c.0));
        let last_byte_ns = r
            .response_receive_end_ns
            .or(response_chunks.last().map(|c| c.0));
        let response_bytes = r.response_bytes_total.or_else(|| {
            (!response_chunks.is_empty()).then(|| {
                response_chunks
                    .iter()
                    .fold(0i64, |a, c| a.saturating_add(c.1))
            })
        });
        let reused = if r.connection_reused_ns.is_some() || r.connection_reuseconn_ns.is_some() {
            Some(true)
        } else if r.tcp_connect_start_ns.is_some() || r.connection_create_start_ns.is_some() {
            Some(false)
        } else {
            None
        };
        let tls = diff(r.tls_handshake_start_ns, r.tls_handshake_end_ns);
        let connect_ns = r
            .connecting_ns
            .or_else(|| diff(r.tcp_connect_start_ns, r.tcp_connect_end_ns))
            .or_else(|| diff(r.connection_create_start_ns, r.connection_create_end_ns))
            .map(|c| {
                c.saturating_add(if r.connecting_ns.is_none() {
                    tls.unwrap_or(0)
                } else {
                    0
                })
            });
        let pool_wait_ns = r
            .blocked_ns
            .or_else(|| {
                diff(
                    r.connection_pool_wait_start_ns,
                    r.connection_pool_wait_end_ns,
                )
            })
            .or_else(|| diff(r.connection_queued_start_ns, r.connection_queued_end_ns));
        let dns_ns = r
            .dns_lookup_ns
            .or_else(|| diff(r.dns_lookup_start_ns, r.dns_lookup_end_ns))
            .or_else(|| diff(r.dns_resolvehost_start_ns, r.dns_resolvehost_end_ns));
        let dns = if r.dns_lookup_start_ns.is_some()
            || r.dns_cache_miss_ns.is_some()
            || r.dns_resolvehost_start_ns.is_some()
        {
            Dns::Lookup
        } else if r.dns_cache_hit_ns.is_some() {
            Dns::CacheHit
        } else {
            Dns::None
        };
        let chunk_count = if response_chunks.is_empty() {
            r.response_chunks_count.and_then(|c| u64::try_from(c).ok())
        } else {
            Some(response_chunks.len() as u64)
        };
        Some(Trace {
            layout,
            send_start_ns,
            send_end_ns,
            chunk_count,
            response_chunks,
            first_byte_ns,
            last_byte_ns,
            request_bytes,
            response_bytes,
            reused,
            pool_wait_ns,
            connect_ns,
            dns,
            dns_ns: if dns == Dns::Lookup { dns_ns } else { None },
            sending_ns: r.sending_ns,
            waiting_ns: r.waiting_ns,
            receiving_ns: r.receiving_ns,
            status: r.response_status_code.or(r.response_status),
            transport_error: r.error_timestamp_ns.is_some() || r.request_exception_ns.is_some(),
            bad_fields,
        })
    }
}
