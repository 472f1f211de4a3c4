fn main() {
    let path = std::env::args().nth(1).unwrap();
    let img = image::open(&path).unwrap().to_luma32f();
    let (w, h) = img.dimensions();
    let luma: Vec<f32> = img.pixels().map(|p| p.0[0] * 255.0).collect();
    let (p, inv) = nnzero::prepare::prepare_luma(&luma, w as usize, h as usize).unwrap();
    println!("inverted {inv}");
    for y in 0..28 { let row: String = (0..28).map(|x| { let v = p[y*28+x] as usize; " .:-=+*#%@".chars().nth(v*10/256).unwrap() }).collect(); println!("{row}"); }
}
