#!/bin/sh
# make-pki.sh DIR: a throwaway PKI for test-ssl.c -- a CA and one EC key and
# certificate signed by it (CN=ovsrpc-test-peer), made with the openssl
# command line.  Writes DIR/ca-cert.pem, DIR/privkey.pem, DIR/cert.pem.
set -e
dir=$1
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout ca-key.pem -out ca-cert.pem -days 2 \
    -subj "/O=ovsrpc tests/CN=ovsrpc-test-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout privkey.pem -out req.pem \
    -subj "/O=ovsrpc tests/CN=ovsrpc-test-peer" 2>/dev/null
cat > ext.cnf <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
EXT
openssl x509 -req -in req.pem -CA ca-cert.pem -CAkey ca-key.pem \
    -CAcreateserial -out cert.pem -days 2 -extfile ext.cnf 2>/dev/null
