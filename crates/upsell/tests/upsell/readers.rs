use upsell::ErrorKind;
use upsell::data::{Dataset, ReadOptions};

fn read(text: &[u8], name: &str, options: &ReadOptions) -> upsell::Result<Dataset> {
    Dataset::from_reader(text, name, options)
}

#[test]
fn fimi_reads_and_numbers_items_by_frequency() {
    let data = read(b"1 2 3\n2 3\n\n3\n", "a.dat", &ReadOptions::fimi()).expect("reads");
    assert_eq!(data.baskets.len(), 4, "the empty line is an empty basket");
    assert_eq!(data.items.labels().collect::<Vec<_>>(), ["3", "2", "1"]);
    assert_eq!(data.baskets.get(0), Some(&[0, 1, 2][..]));
}

#[test]
fn gzip_is_detected_by_content() {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(b"5 6\n6\n").expect("write");
    let bytes = encoder.finish().expect("finish");
    let data = read(&bytes, "a.dat.gz", &ReadOptions::fimi()).expect("reads");
    assert_eq!(data.baskets.len(), 2);
}

#[test]
fn errors_name_the_file_line_and_field() {
    let cases: [(&[u8], &str, ReadOptions, &str); 5] = [
        (
            b"",
            "empty.dat",
            ReadOptions::fimi(),
            "empty.dat: the file is empty",
        ),
        (
            b"1 2\n3 x4\n",
            "bad.dat",
            ReadOptions::fimi(),
            "bad.dat:2:2: FIMI items are non-negative integers, found 'x4'",
        ),
        (
            b"1 2\n3 \xff\n",
            "bytes.dat",
            ReadOptions::fimi(),
            "bytes.dat:2:2: the line is not valid UTF-8",
        ),
        (
            b"milk,bread\nmilk,\xffbeer\n",
            "b.csv",
            ReadOptions::baskets(b','),
            "b.csv:2:2: the field is not valid UTF-8",
        ),
        (
            b"order,product\n1,milk\n",
            "long.csv",
            ReadOptions::long(["order"], "item"),
            "long.csv:1 (column 'item'): no column 'item' in the header; the columns are: order, product",
        ),
    ];
    for (text, name, options, expected) in cases {
        let err = read(text, name, &options).expect_err(name);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name}");
        assert!(err.to_string().contains(expected), "{name}: {err}");
    }
}

#[test]
fn a_missing_file_is_an_io_error_naming_the_path() {
    let err = Dataset::read("/no/such/file.dat", &ReadOptions::default()).expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("/no/such/file.dat"), "{err}");
}

#[test]
fn long_data_groups_rows_by_several_key_columns() {
    let text = b"member,date,item,when\n1,d1,milk,2026-01-03\n2,d1,milk,2026-01-02\n1,d1,bread,2026-01-01\n1,d2,milk,2026-01-04\n";
    let mut options = ReadOptions::long(["member", "date"], "item");
    options.customer_column = Some("member".into());
    options.time_column = Some("when".into());
    let data = read(text, "long.csv", &options).expect("reads");
    assert_eq!(data.baskets.len(), 3);
    let keys = data.keys.expect("keys");
    assert_eq!(keys.basket, ["1|d1", "2|d1", "1|d2"]);
    assert_eq!(keys.customer.expect("customers"), ["1", "2", "1"]);
    // Each basket's earliest time, not its first row's.
    let days: Vec<String> = keys
        .time
        .expect("times")
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(
        days,
        [
            "2026-01-01T00:00:00Z",
            "2026-01-02T00:00:00Z",
            "2026-01-04T00:00:00Z"
        ]
    );
    assert_eq!(data.baskets.get(0).map(<[u32]>::len), Some(2));
}

#[test]
fn a_time_that_does_not_parse_names_its_line_and_column() {
    let mut options = ReadOptions::long(["order"], "item");
    options.time_column = Some("when".into());
    let err = read(
        b"order,item,when\n1,milk,2026-01-01\n1,tea,soon\n",
        "t.csv",
        &options,
    )
    .expect_err("bad time");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("t.csv:3:3 (column 'when')"),
        "{err}"
    );
}

#[test]
fn an_empty_item_field_in_long_data_is_an_error() {
    let err = read(
        b"order,item\n1,milk\n2,\n",
        "l.csv",
        &ReadOptions::long(["order"], "item"),
    )
    .expect_err("empty");
    assert!(
        err.to_string()
            .contains("l.csv:3:2 (column 'item'): the field is empty"),
        "{err}"
    );
}

#[test]
fn a_file_whose_name_does_not_decide_is_read_by_its_content() {
    let dir = tempfile::tempdir().expect("a folder");
    let cases: [(&str, &str, upsell::data::Format, usize); 4] = [
        (
            "spmf.txt",
            "1 2 3\n2 3\n3 4\n",
            upsell::data::Format::Fimi,
            4,
        ),
        (
            "comma.txt",
            "bread,milk\nmilk\n",
            upsell::data::Format::Baskets,
            2,
        ),
        (
            "tabs.tsv",
            "bread\tmilk\nmilk\tjam\n",
            upsell::data::Format::Baskets,
            3,
        ),
        (
            "spaces",
            "bread milk\nmilk jam\n",
            upsell::data::Format::Baskets,
            3,
        ),
    ];
    for (name, text, format, items) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        let data = Dataset::read(&path, &ReadOptions::default()).expect(name);
        assert_eq!((data.format, data.items.len()), (format, items), "{name}");
        assert_eq!(data.baskets.shape_warning(), None, "{name}");
    }
    // Named .csv, a space-separated file is one label a line: the shape says so.
    let path = dir.path().join("spaces.csv");
    std::fs::write(&path, "bread milk\nmilk jam\n").expect("written");
    let data = Dataset::read(&path, &ReadOptions::default()).expect("reads");
    let warning = data.baskets.shape_warning().expect("a warning");
    assert!(
        warning.contains("every basket has at most one item"),
        "{warning}"
    );
}
