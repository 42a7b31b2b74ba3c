//! `openapi.yaml` names exactly the routes the service has.

use std::collections::BTreeSet;

use sla_ledger::api::ROUTES;
use yaml_rust2::YamlLoader;

#[test]
fn openapi_matches_the_routes() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let paths = docs[0]["paths"].as_hash().expect("paths");
    let mut documented = BTreeSet::new();
    for (path, ops) in paths {
        for (method, _) in ops.as_hash().unwrap() {
            let method = method.as_str().unwrap().to_uppercase();
            if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&method.as_str()) {
                documented.insert((method, path.as_str().unwrap().to_owned()));
            }
        }
    }
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in openapi.yaml: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "in openapi.yaml but not served: {phantom:?}"
    );
}
