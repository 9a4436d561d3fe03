//! One JSON reader for everything the browser decodes.
//!
//! serde_json compiles a type's deserializer once for each kind of input it
//! reads. Server function responses are read from bytes, so resources hydrated
//! from the page, the filters in the URL and the drafts of list fields read
//! from bytes too: the WASM then carries one copy of each deserializer instead
//! of two (about 90 KB of code, see docs/benchmarks.md).

use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// Reads JSON text the way server function responses are read.
pub fn from_str<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    serde_json::from_slice(text.as_bytes())
}

/// The codec of the app's resources: JSON as Leptos writes it by default, read
/// with [`from_str`].
pub struct JsonCodec;

impl<T: Serialize> Encoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        from_str(text)
    }
}

/// A resource that serializes with [`JsonCodec`].
pub type Resource<T> = leptos::prelude::Resource<T, JsonCodec>;

/// Creates a (non-blocking) resource with [`JsonCodec`], as `Resource::new`
/// does with Leptos' default codec.
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_codec_reads_back_what_it_writes() {
        let value: Result<Vec<(i64, String)>, String> = Ok(vec![(1, "Zoë \"Z\"".into())]);
        let text = <JsonCodec as Encoder<_>>::encode(&value).unwrap();
        assert_eq!(text, serde_json::to_string(&value).unwrap());
        let back: Result<Vec<(i64, String)>, String> =
            <JsonCodec as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn reading_broken_json_is_an_error_not_a_panic() {
        assert!(from_str::<Vec<String>>("[\"a\",").is_err());
        assert!(<JsonCodec as Decoder<Vec<String>>>::decode("nope").is_err());
    }
}
