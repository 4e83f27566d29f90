/* Links against an installed clconv and convolves a tiny signal on the
 * default device: proof that the installed header, library and package files
 * work together. */
#include <clconv.h>
#include <stdio.h>

int main(void)
{
    clconv_runtime *rt;
    const float x[3] = {1, 2, 3}, h[2] = {1, 1};
    float y[4];
    int s = clconv_runtime_create(&rt, NULL);
    if (s == 0) s = clconv_conv1d_host(rt, CLCONV_F32, x, 3, 1, h, 2, y, NULL);
    if (s != 0) {
        fprintf(stderr, "consumer: %s: %s\n", clconv_strerror(s), clconv_last_error(rt));
        clconv_runtime_destroy(rt);
        return 1;
    }
    clconv_runtime_destroy(rt);
    printf("clconv %s: %g %g %g %g\n", clconv_version_string(), y[0], y[1], y[2], y[3]);
    return (y[0] == 1 && y[1] == 3 && y[2] == 5 && y[3] == 3) ? 0 : 1;
}
