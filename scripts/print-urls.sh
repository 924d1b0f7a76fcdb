#!/usr/bin/env bash
# Printed by `make up` once everything answers.
cat <<URLS
Everything is up:
  order      http://127.0.0.1:8080   (POST /create-checkout, GET /orders/{id}, /docs)
  payment    http://127.0.0.1:8082   (GET /payments/{order_id})
  inventory  http://127.0.0.1:8083   (GET /stock, GET|PUT /stock/{sku})
  notify     http://127.0.0.1:8084   (GET /notifications?order_id=)
  registry   http://127.0.0.1:8081/apis/ccompat/v7
  kafka      127.0.0.1:9092
URLS
if docker info >/dev/null 2>&1; then echo "  kafka-ui   http://127.0.0.1:8090"; fi
