// The package's entry point: registers the routines the Rust library exports.
void R_init_levelfield_extendr(void *dll);

void R_init_levelfield(void *dll) {
    R_init_levelfield_extendr(dll);
}
