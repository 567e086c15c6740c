#include <stdlib.h>

#include "store/store.h"

void
store_free(struct store *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->free)
		s->ops->free(s);
	free(s->pool);
	free(s->base);
	free(s->mnt);
	free(s);
}

void
ds_free(struct ds *d)
{
	if (!d)
		return;
	free(d->name);
	d->name = NULL;
	kvlist_free(&d->user);
	kvlist_free(&d->native);
}

void
ds_list_free(struct ds_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ds_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void
snap_list_free(struct snap_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
