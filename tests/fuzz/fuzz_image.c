/*
 * Images as conv2d and the service decode them: PNG through libpng and
 * PGM/PPM (P2, P3, P5, P6), by signature, under the service's element
 * limit; then the interleaving and the re-encoding of the decoded planes
 * (PNG, and PGM or PPM as the channels allow).
 */
#include "fuzz.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    image img;
    io_error err = {""};
    int st = image_decode(data, size, IMAGE_ANY, "fuzz", FUZZ_MAX_ELEMENTS, &img, &err);
    fuzz_check_status(st, &err);
    if (st < 0) return 0;
    real_array inter = {0};
    err.message[0] = '\0';
    st = image_interleave(&img, &inter, "fuzz", &err);
    fuzz_check_status(st, &err);
    real_array_free(&inter);
    /* Re-encoding a small image only: encoding is not a reader of outside
     * bytes, and large images would only slow the fuzzer down. */
    if (img.planes.count <= 4096) {
        image_kind kind = img.channels - img.alpha == 1 ? IMAGE_PGM : IMAGE_PPM;
        image_kind kinds[2] = {IMAGE_PNG, kind};
        for (int k = 0; k < 2; k++) {
            void *out = NULL;
            size_t out_size = 0;
            err.message[0] = '\0';
            st = image_encode_mem(&out, &out_size, "fuzz", kinds[k], &img, k, &err);
            if (st < 0) {
                fprintf(stderr, "fuzz: re-encoding a decoded image failed: %s\n", err.message);
                abort();
            }
            free(out);
        }
    }
    image_free(&img);
    return 0;
}
