# driver.mk: builds tests/robust/driver with the build tree's own compiler,
# flags (sanitizers included) and libraries. Used as
#   make -C BUILDDIR -f Makefile -f SRCDIR/tests/robust/driver.mk tests/robust/driver
tests/robust/driver: $(top_srcdir)/tests/robust/driver.c compiler/libbizfront.a grammar/libbizgram.a runtime/libbizrt.a
	@$(MKDIR_P) tests/robust
	$(CC) $(AM_CFLAGS) $(CFLAGS) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@ $(top_srcdir)/tests/robust/driver.c $(FRONT_LIBS)
