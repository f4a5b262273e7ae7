use elute::io;
use std::path::Path;

#[test]
fn dump() {
    for f in [
        "SOLV001.CDF",
        "tgntpe41.cdf",
        "tgnthpgc.cdf",
        "PCB.CDF",
        "EXAMPLE1.CDF",
        "EXAMPLE.CDF",
        "CAL_3.CDF",
        "PK-SUM01N01.CDF",
        "HP_MS.CDF",
        "rainbow_caye_nmr_test_mix_FID1A.ch",
        "chemstation_179_asterix.ch",
        "ccet_chemstation_181_FID1A_blank.ch",
        "chemstation_81.ch",
    ] {
        let p = Path::new("tests/data").join(f);
        match io::read_file(&p) {
            Err(e) => println!("{f}: ERR {e}"),
            Ok(v) => {
                for c in v {
                    let (t0, t1) = c.time_range_s().unwrap();
                    println!(
                        "{f}: n={} t={:.4}..{:.4} min step={:.5}s sig={:?} unit={:?} ch={:?}",
                        c.len(),
                        t0 / 60.0,
                        t1 / 60.0,
                        c.median_step_s().unwrap(),
                        c.signal_range(),
                        c.signal_unit,
                        c.channel
                    );
                    let m = &c.metadata;
                    println!(
                        "   fmt={} sample={:?} instr={:?} det={:?} date={:?} extra={:?}",
                        m.format, m.sample_name, m.instrument, m.detector, m.acquisition_date, m.extra
                    );
                    for p in &m.peaks {
                        println!("   peak {:?} {:.2}s area={:?} h={:?}", p.name, p.retention_time_s, p.area, p.height);
                    }
                }
            }
        }
    }
}
