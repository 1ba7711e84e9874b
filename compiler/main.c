/* main.c: placeholder until the compiler's command line is written. */
int main(void) { return 2; }
