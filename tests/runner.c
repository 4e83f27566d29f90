/*
 * The runner of a test executable: `clconv_tests [SUITE [TCASE]]` (the
 * library's suites) or `clconv_serve_tests [SUITE [TCASE]]` (the formats'
 * and the service's) runs one suite (CTest runs each listed in suites.txt
 * separately, so failures are named) or every suite of its executable when
 * none is given. The suites come from suites.txt, the one list: CMake writes
 * each executable's share into its suite_list.h as SUITE(name) lines. Exits non-zero when a test fails or the
 * suite name is unknown. Check's usual environment variables (CK_FORK,
 * CK_VERBOSITY, CK_RUN_CASE, ...) apply.
 */
#include "suites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    Suite *(*make)(void);
} suites[] = {
#define SUITE(name) {#name, clconv_test_suite_##name},
#include "suite_list.h"
#undef SUITE
};

#define SUITE_COUNT (sizeof suites / sizeof suites[0])

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    const char *tcase = argc > 2 ? argv[2] : NULL;
    SRunner *sr = NULL;
    int found = only == NULL, failed;

    for (size_t i = 0; i < SUITE_COUNT; i++) {
        Suite *s;
        if (only && strcmp(only, suites[i].name) != 0) continue;
        found = 1;
        s = suites[i].make();
        if (sr)
            srunner_add_suite(sr, s);
        else
            sr = srunner_create(s);
    }
    if (!found) {
        fprintf(stderr, "%s: no suite named '%s'; the suites are:", argv[0], only);
        for (size_t i = 0; i < SUITE_COUNT; i++) fprintf(stderr, " %s", suites[i].name);
        fputc('\n', stderr);
        return 2;
    }

    srunner_run(sr, NULL, tcase, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
