/* Build-time tool: turn a file into a C array.
 *   embed SYMBOL INPUT OUTPUT
 * writes `const char SYMBOL[]` (the bytes plus a NUL) and `const size_t SYMBOL_len`. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: embed SYMBOL INPUT OUTPUT\n");
		return 2;
	}
	FILE *in = fopen(argv[2], "rb");
	if (!in) {
		perror(argv[2]);
		return 1;
	}
	FILE *out = fopen(argv[3], "w");
	if (!out) {
		perror(argv[3]);
		fclose(in);
		return 1;
	}
	fprintf(out, "/* generated from %s by embed */\n#include <stddef.h>\n", argv[2]);
	fprintf(out, "extern const char %s[];\nextern const size_t %s_len;\n", argv[1], argv[1]);
	fprintf(out, "const char %s[] = {", argv[1]);
	size_t n = 0;
	int c;
	while ((c = getc(in)) != EOF)
		fprintf(out, "%s%d,", n++ % 16 ? "" : "\n\t", c);
	fprintf(out, "\n\t0\n};\nconst size_t %s_len = %zu;\n", argv[1], n);
	int bad = ferror(in) || ferror(out);
	fclose(in);
	if (fclose(out) != 0 || bad) {
		fprintf(stderr, "embed: cannot write %s\n", argv[3]);
		return 1;
	}
	return 0;
}
