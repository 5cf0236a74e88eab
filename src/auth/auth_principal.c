/* auth_principal.c - library visibility of a principal. */
#include "auth/auth_principal.h"

bool auth_principal_sees(const Principal *p, int64_t library_id)
{
    if (p->all_libraries)
        return true;
    for (size_t i = 0; i < p->n_library_ids; i++) {
        if (p->library_ids[i] == library_id)
            return true;
    }
    return false;
}
