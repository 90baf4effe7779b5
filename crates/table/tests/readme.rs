//! The README's Parquet column table is generated from the schema; this test
//! fails when it is stale. Regenerate with
//! `UPDATE_README=1 cargo test -p srtlog-table --test readme`.

use srtlog_table::node_metrics::{column_docs, schema};

const START: &str = "<!-- columns:start -->";
const END: &str = "<!-- columns:end -->";

fn generated() -> String {
    let schema = schema();
    let mut s = String::from("\n| column | type | meaning |\n| --- | --- | --- |\n");
    for ((name, doc), field) in column_docs().iter().zip(schema.fields()) {
        assert_eq!(name, field.name(), "column_docs() is out of schema order");
        let ty = match field.data_type() {
            arrow_schema::DataType::Dictionary(..) => "string (dictionary)".to_string(),
            arrow_schema::DataType::Timestamp(..) => "timestamp[µs]".to_string(),
            t => t.to_string().to_lowercase(),
        };
        s.push_str(&format!(
            "| `{name}` | {ty} | {} |\n",
            doc.replace('|', "\\|")
        ));
    }
    s
}

#[test]
fn readme_column_table_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the {START} … {END} markers");
    };
    let current = &readme[a + START.len()..b];
    let want = generated();
    if current != want {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{START}{want}{}", &readme[..a], &readme[b..]);
            std::fs::write(&path, updated).expect("write README.md");
        } else {
            panic!("the README column table is stale: run UPDATE_README=1 cargo test -p srtlog-table --test readme");
        }
    }
}
