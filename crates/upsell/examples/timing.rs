use upsell::data::{Dataset, ReadOptions};
use upsell::mining::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = std::time::Instant::now();
    let data = Dataset::read(&args[1], &ReadOptions::fimi()).unwrap();
    eprintln!("read {:?}", t.elapsed());
    for alg in args[3].split(',') {
        for threads in [1usize, 2] {
            let o = MiningOptions { algorithm: alg.parse().unwrap(), threads: Some(threads), max_itemsets: None, ..MiningOptions::new(MinSupport::parse(&args[2]).unwrap()) };
            let t = std::time::Instant::now();
            let r = mine(&data.baskets, &o).unwrap();
            eprintln!("{alg} threads={threads} {} {:?}", r.len(), t.elapsed());
        }
    }
}
