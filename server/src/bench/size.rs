//! What the browser downloads: the WASM, JS and CSS of a build, raw and
//! compressed as the server sends them (gzip and brotli, best levels).

use std::io::Write;
use std::path::Path;

/// The budget for WASM + JS, brotli-compressed (issue 7).
pub const BUDGET_BROTLI_BYTES: usize = 250 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

pub fn compressed_sizes(bytes: &[u8]) -> Sizes {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("writing to memory");
    let gzip = gz.finish().expect("writing to memory").len();
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 64 * 1024, 11, 22);
        writer.write_all(bytes).expect("writing to memory");
    }
    Sizes {
        raw: bytes.len(),
        gzip,
        brotli: br.len(),
    }
}

fn kb(bytes: usize) -> String {
    format!("{:.0}", bytes as f64 / 1024.0)
}

/// A Markdown table of the built files under `site_root/pkg`, or a line saying
/// there is no build there.
pub fn report(site_root: &Path, name: &str) -> String {
    let pkg = site_root.join("pkg");
    let mut out = String::from(
        "\n| what the browser downloads | raw KB | gzip KB | brotli KB |\n|---|---:|---:|---:|\n",
    );
    let mut code = Sizes {
        raw: 0,
        gzip: 0,
        brotli: 0,
    };
    let mut found = false;
    for (file, is_code) in [
        (format!("{name}.wasm"), true),
        (format!("{name}.js"), true),
        (format!("{name}.css"), false),
    ] {
        let Ok(bytes) = std::fs::read(pkg.join(&file)) else {
            continue;
        };
        found = true;
        let sizes = compressed_sizes(&bytes);
        out.push_str(&format!(
            "| `{file}` | {} | {} | {} |\n",
            kb(sizes.raw),
            kb(sizes.gzip),
            kb(sizes.brotli)
        ));
        if is_code {
            code.raw += sizes.raw;
            code.gzip += sizes.gzip;
            code.brotli += sizes.brotli;
        }
    }
    if !found {
        return format!(
            "\nNo build under {} (run `cargo leptos build --release` first).\n",
            pkg.display()
        );
    }
    let verdict = if code.brotli <= BUDGET_BROTLI_BYTES {
        format!("within the {} KB budget", kb(BUDGET_BROTLI_BYTES))
    } else {
        format!(
            "**{} KB over** the {} KB budget",
            kb(code.brotli - BUDGET_BROTLI_BYTES),
            kb(BUDGET_BROTLI_BYTES)
        )
    };
    out.push_str(&format!(
        "| WASM + JS | {} | {} | {} ({verdict}) |\n",
        kb(code.raw),
        kb(code.gzip),
        kb(code.brotli)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitive_bytes_compress_and_brotli_beats_gzip() {
        let text = "contacts ".repeat(10_000);
        let sizes = compressed_sizes(text.as_bytes());
        assert_eq!(sizes.raw, 90_000);
        assert!(sizes.gzip < 2_000, "{sizes:?}");
        assert!(sizes.brotli <= sizes.gzip, "{sizes:?}");
    }

    #[test]
    fn a_missing_build_is_said_plainly() {
        let report = report(Path::new("/nonexistent"), "contacts");
        assert!(report.contains("No build under"));
    }
}
