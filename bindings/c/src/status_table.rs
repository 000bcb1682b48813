// The status table: each status's name, number, the core error kind it stands for, its
// documentation (the header's) and its static description (`upsell_status_str`). status.rs turns
// it into the Rust enum, the kind and number lookups and the descriptions; tests/header.rs turns
// it into the C enum. Numbers are part of the ABI: once released, a number is never reused or
// renumbered; a new core kind gets a new row at the end.
status_table! {
    /// The outcome of a call. `UPSELL_STATUS_OK` (0) is success; every other value is a failure whose
    /// details are in the `upsell_error` the call wrote, if the caller asked for one.
    ///
    /// The numbers are stable across releases and never reused.
    pub enum upsell_status {
        /// Success.
        Ok = 0, c"ok";
        /// The data is malformed: a bad basket, row, item or offset.
        InvalidInput = 1 from InvalidInput, c"invalid input: the data is malformed";
        /// A parameter is out of range or inconsistent with another.
        InvalidParameter = 2 from InvalidParameter, c"invalid parameter: a parameter is out of range";
        /// A rule or model file does not parse.
        Parse = 3 from Parse, c"parse error: a rule or model file does not parse";
        /// A budget (itemsets, memory) was exceeded; raise the limit or the support.
        LimitExceeded = 4 from LimitExceeded, c"limit exceeded: raise the limit or the support";
        /// The work was cancelled through a `upsell_control`.
        Cancelled = 5 from Cancelled, c"cancelled";
        /// A file could not be opened or read.
        Io = 6 from Io, c"i/o error: a file could not be read";
        /// A required pointer argument was NULL.
        NullParameter = 7, c"a required pointer argument was NULL";
        /// An internal error (a Rust panic) was caught at the boundary; please report it.
        Panic = 8, c"internal error (panic) in upsell: please report it";
    }
}
