#ifndef X_SEMA
#define X_SEMA
#endif
