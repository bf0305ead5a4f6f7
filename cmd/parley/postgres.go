package main

import (
	"context"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/postgres"
)

func openPostgres(ctx context.Context, url string) (parley.Store, error) {
	return postgres.Open(ctx, url)
}
