#ifndef X_CODEGEN
#define X_CODEGEN
#endif
