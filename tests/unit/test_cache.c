/* cache: keys, publishing, --explain sentences and the sweep of stages left
 * by killed builds, on a real directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "build/cache.h"
#include "check.h"

static void key(struct cache_key *k, const char *recipe, const char *patch, const char *dep)
{
	memset(k, 0, sizeof(*k));
	cache_key_add(k, "recipe", recipe, strlen(recipe));
	if (patch)
		cache_key_add(k, "patch:a.patch", patch, strlen(patch));
	cache_key_add_hash(k, "hostdep:zlib", dep);
	cache_key_final(k);
}

int main(void)
{
	char tmpl[] = "/tmp/kiln-cache-XXXXXX";
	char *dir = mkdtemp(tmpl);
	const char *z1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *z2 = "2222222222222222222222222222222222222222222222222222222222222222";

	struct cache_key a, b, c, d;
	key(&a, "name: x", "p1", z1);
	key(&b, "name: x", "p1", z1);
	CHECK(strcmp(a.hex, b.hex) == 0, "same inputs, different keys");
	key(&c, "name: x", "p2", z1);
	CHECK(strcmp(a.hex, c.hex) != 0, "patch change not in key");
	key(&d, "name: x", NULL, z2);

	char *e = cache_explain(dir, "x", &a);
	CHECK(strcmp(e, "never built") == 0, "%s", e);
	free(e);
	CHECK(!cache_lookup(dir, "x", &a), "found before publishing");

	int lk, lk2;
	char *stage = cache_stage(dir, "x", &lk);
	char *art = path_join(stage, "x-1.0-py3-none-any.whl");
	CHECK(write_file_atomic(art, "wheel", 5), "write");
	char *pub = cache_publish(dir, "x", &a, stage);
	CHECK(pub != NULL, "publish failed");
	char *found = cache_lookup(dir, "x", &b);
	CHECK(found && strcmp(found, pub) == 0, "lookup after publish: %s", found ? found : "(none)");
	char *art2 = path_join(found ? found : "", "x-1.0-py3-none-any.whl");
	CHECK(path_is_file(art2), "artifact missing");
	CHECK(!path_exists(stage), "stage left behind");

	e = cache_explain(dir, "x", &b);
	CHECK(strcmp(e, "up to date") == 0, "%s", e);
	free(e);
	e = cache_explain(dir, "x", &c);
	CHECK(strcmp(e, "patch:a.patch changed") == 0, "%s", e);
	free(e);
	e = cache_explain(dir, "x", &d);
	CHECK(strcmp(e, "hostdep:zlib changed, patch:a.patch removed") == 0, "%s", e);
	free(e);

	/* a second publisher of the same key keeps the first entry */
	char *stage2 = cache_stage(dir, "x", &lk2);
	char *pub2 = cache_publish(dir, "x", &b, stage2);
	CHECK(pub2 && strcmp(pub2, pub) == 0, "second publish: %s", pub2 ? pub2 : "(none)");
	CHECK(!path_exists(stage2), "second stage left behind");
	CHECK(path_is_file(art2), "first entry lost");

	close(lk);
	close(lk2);

	/* stages: one held by a live builder stays, one left by a killed builder
	 * (its lock gone with it) is swept */
	int held;
	char *live = cache_stage(dir, "y", &held);
	CHECK(live && held >= 0, "stage");
	pid_t pid = fork();
	if (pid == 0) {
		int l;
		char *dead = cache_stage(dir, "y", &l);
		char *f = dead ? path_join(dead, "half-written") : NULL;
		_exit(f && write_file_atomic(f, "x", 1) ? 0 : 1); /* no cleanup, as after kill -9 */
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child stage");
	CHECK(cache_sweep(dir) == 1, "sweep did not remove exactly the dead stage");
	CHECK(live && path_exists(live), "sweep removed a stage in use");
	close(held);
	CHECK(cache_sweep(dir) == 1, "released stage not swept");
	CHECK(live && !path_exists(live), "released stage still there");
	CHECK(cache_sweep(dir) == 0, "nothing left to sweep");
	free(live);

	/* a tree key sees content, names and modes */
	char *t = path_join(dir, "tree");
	char *sub = path_join(t, "sub");
	mkdir_p(sub, 0755);
	char *f = path_join(sub, "f");
	write_file_atomic(f, "1", 1);
	struct cache_key t1 = {0}, t2 = {0};
	CHECK(cache_key_add_tree(&t1, "tree", t), "tree");
	cache_key_final(&t1);
	write_file_atomic(f, "2", 1);
	CHECK(cache_key_add_tree(&t2, "tree", t), "tree");
	cache_key_final(&t2);
	CHECK(strcmp(t1.hex, t2.hex) != 0, "tree content change unseen");

	CHECK(remove_tree(dir), "remove_tree");
	CHECK(!path_exists(dir), "dir still there");
	free(t); free(sub); free(f);
	free(art); free(art2); free(found); free(pub); free(pub2); free(stage); free(stage2);
	cache_key_free(&a); cache_key_free(&b); cache_key_free(&c); cache_key_free(&d);
	cache_key_free(&t1); cache_key_free(&t2);
	printf("%s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
