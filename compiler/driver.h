#ifndef X_DRIVER
#define X_DRIVER
#endif
