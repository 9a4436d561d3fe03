//! What the browser downloads: the WASM, JS and CSS of a build, raw and
//! compressed as the server sends them (gzip and brotli, best levels).

use std::io::Write;
use std::path::Path;

/// The budget for WASM + JS, brotli-compressed (issue 7).
pub const BUDGET_BROTLI_BYTES: usize = 250 * 1024;

/// What the test command lets a build weigh today (`contacts size`): the
/// measured size with a little room, lowered as the build shrinks, so the WASM
/// can only move towards the budget. The budget itself is not met yet (see
/// docs/benchmarks.md for where the bytes are).
pub const CEILING_BROTLI_BYTES: usize = 430 * 1024;

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

/// What a built file under `pkg` is to the browser, in the report's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// WASM and JS fetched before the page is interactive: the budget's part.
    FirstLoad,
    Style,
    /// A piece split off by `cargo leptos build --split` (a `#[lazy]` dialog or
    /// code shared by several), fetched the first time it is used.
    OnFirstUse,
}

fn kind_of(file: &str, name: &str) -> Option<Kind> {
    if file == format!("{name}.wasm") || file == format!("{name}.js") {
        Some(Kind::FirstLoad)
    } else if file.starts_with("__wasm_split") && file.ends_with(".js") {
        // The loader of the split pieces is imported by the main JS.
        Some(Kind::FirstLoad)
    } else if (file.starts_with("split_") || file.starts_with("chunk_")) && file.ends_with(".wasm")
    {
        Some(Kind::OnFirstUse)
    } else if file == format!("{name}.css") {
        Some(Kind::Style)
    } else {
        None
    }
}

fn add(total: &mut Sizes, sizes: &Sizes) {
    total.raw += sizes.raw;
    total.gzip += sizes.gzip;
    total.brotli += sizes.brotli;
}

/// The built files under `site_root/pkg`, each with its kind and sizes.
struct Build {
    files: Vec<(String, Kind, Sizes)>,
}

impl Build {
    fn total(&self, kind: Kind) -> Sizes {
        let mut total = Sizes {
            raw: 0,
            gzip: 0,
            brotli: 0,
        };
        for (_, k, sizes) in &self.files {
            if *k == kind {
                add(&mut total, sizes);
            }
        }
        total
    }
}

/// The build under `site_root/pkg`; `None` when there is none.
fn measure(site_root: &Path, name: &str) -> Option<Build> {
    let entries = std::fs::read_dir(site_root.join("pkg")).ok()?;
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(kind) = kind_of(&file, name) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        files.push((file, kind, compressed_sizes(&bytes)));
    }
    // First-load files first, then style, then the pieces, largest first.
    files.sort_by_key(|(_, kind, sizes)| (*kind, std::cmp::Reverse(sizes.raw)));
    files
        .iter()
        .any(|(_, kind, _)| *kind == Kind::FirstLoad)
        .then_some(Build { files })
}

fn no_build(site_root: &Path) -> String {
    format!(
        "No build under {} (run `cargo leptos build --release --split` first).",
        site_root.join("pkg").display()
    )
}

/// A Markdown table of the built files under `site_root/pkg`, or a line saying
/// there is no build there.
pub fn report(site_root: &Path, name: &str) -> String {
    let Some(build) = measure(site_root, name) else {
        return format!("\n{}\n", no_build(site_root));
    };
    let mut out = String::from(
        "\n| what the browser downloads | raw KB | gzip KB | brotli KB |\n|---|---:|---:|---:|\n",
    );
    let row = |out: &mut String, label: &str, sizes: &Sizes| {
        out.push_str(&format!(
            "| {label} | {} | {} | {} |\n",
            kb(sizes.raw),
            kb(sizes.gzip),
            kb(sizes.brotli)
        ));
    };
    for (file, kind, sizes) in &build.files {
        let label = match kind {
            Kind::OnFirstUse => format!("`{file}` (on first use)"),
            _ => format!("`{file}`"),
        };
        row(&mut out, &label, sizes);
    }
    let code = build.total(Kind::FirstLoad);
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
        "| WASM + JS at first load | {} | {} | {} ({verdict}) |\n",
        kb(code.raw),
        kb(code.gzip),
        kb(code.brotli)
    ));
    let later = build.total(Kind::OnFirstUse);
    if later.raw > 0 {
        row(
            &mut out,
            "split pieces, all of them (fetched on first use)",
            &later,
        );
    }
    out
}

/// The test command's size check: the sizes, then `Err` with a sentence when
/// WASM + JS (brotli) is over `ceiling_bytes` or there is no build.
pub fn check(site_root: &Path, name: &str, ceiling_bytes: usize) -> Result<String, String> {
    let Some(build) = measure(site_root, name) else {
        return Err(no_build(site_root));
    };
    let code = build.total(Kind::FirstLoad);
    let line = format!(
        "WASM + JS at first load: {} KB brotli ({} KB raw, {} KB gzip); the ceiling is {} KB, the target {} KB.",
        kb(code.brotli),
        kb(code.raw),
        kb(code.gzip),
        kb(ceiling_bytes),
        kb(BUDGET_BROTLI_BYTES)
    );
    if code.brotli > ceiling_bytes {
        Err(format!(
            "{line} The build grew {} KB past its ceiling.",
            kb(code.brotli - ceiling_bytes)
        ))
    } else {
        Ok(line)
    }
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
        let check = check(Path::new("/nonexistent"), "contacts", BUDGET_BROTLI_BYTES);
        assert!(check.unwrap_err().contains("No build under"));
    }

    fn site_with(wasm: &[u8], js: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/contacts.wasm"), wasm).unwrap();
        std::fs::write(dir.path().join("pkg/contacts.js"), js).unwrap();
        // CSS does not count towards the code budget.
        std::fs::write(dir.path().join("pkg/contacts.css"), noise(400_000)).unwrap();
        dir
    }

    /// Bytes that do not compress, so their brotli size is about their length.
    fn noise(n: usize) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    #[test]
    fn the_size_check_fails_a_build_over_its_ceiling_and_passes_one_under_it() {
        let site = site_with(&noise(60_000), &noise(10_000));
        let ok = check(site.path(), "contacts", 80 * 1024).unwrap();
        assert!(
            ok.starts_with("WASM + JS at first load: 68 KB brotli"),
            "{ok}"
        );
        let err = check(site.path(), "contacts", 50 * 1024).unwrap_err();
        assert!(err.contains("grew 18 KB past its ceiling"), "{err}");
    }

    #[test]
    fn split_pieces_are_reported_but_only_the_first_load_counts_against_the_ceiling() {
        let site = site_with(&noise(60_000), &noise(10_000));
        let pkg = site.path().join("pkg");
        std::fs::write(
            pkg.join("__wasm_split.______________________.js"),
            noise(2_000),
        )
        .unwrap();
        std::fs::write(pkg.join("split_import_dialog_123.wasm"), noise(300_000)).unwrap();
        std::fs::write(pkg.join("chunk_5.wasm"), noise(5_000)).unwrap();
        let ok = check(site.path(), "contacts", 80 * 1024).unwrap();
        assert!(
            ok.starts_with("WASM + JS at first load: 70 KB brotli"),
            "{ok}"
        );
        let report = report(site.path(), "contacts");
        assert!(
            report.contains("| `split_import_dialog_123.wasm` (on first use) | 293 |"),
            "{report}"
        );
        assert!(
            report.contains("| split pieces, all of them (fetched on first use) | 298 |"),
            "{report}"
        );
        assert!(
            report.contains("| WASM + JS at first load | 70 |"),
            "{report}"
        );
    }
}
