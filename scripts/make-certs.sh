#!/usr/bin/env bash
# A test certificate authority and node certificates for the cluster's mutual TLS (Debian's openssl; installs nothing).
#
#   scripts/make-certs.sh DIR [NODE ...]     (default node names: node1 node2 node3)
#
# Writes DIR/ca.pem (the CA certificate every node trusts), DIR/ca.key (keep it off the nodes), and for each node
# DIR/NODE.pfx (its key and certificate, signed by the CA, PKCS#12 protected by the password in $CERT_PASSWORD,
# default "scheduler") with subject CN=NODE and names 127.0.0.1, localhost and NODE. Point each node's
# scheduler.cluster.tls.certificate at its .pfx and scheduler.cluster.tls.ca at ca.pem. Running it again in the same
# DIR keeps the CA and adds or renews node certificates. For tests and trials: a deployment's CA is its own.
set -euo pipefail

dir=${1:?usage: scripts/make-certs.sh DIR [NODE ...]}
shift
nodes=("$@")
[ ${#nodes[@]} -gt 0 ] || nodes=(node1 node2 node3)
password=${CERT_PASSWORD:-scheduler}
days=${CERT_DAYS:-825}
mkdir -p "$dir"

if [ ! -s "$dir/ca.key" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days "$days" \
    -subj "/CN=scheduler-cluster-ca" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 "$dir/ca.key"
  echo "make-certs: CA $dir/ca.pem"
fi

for node in "${nodes[@]}"; do
  work=$(mktemp -d)
  openssl req -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/req.csr" -subj "/CN=$node" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:%s\n' "$node" >"$work/ext.cnf"
  openssl x509 -req -in "$work/req.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -out "$work/cert.pem" \
    -days "$days" -extfile "$work/ext.cnf" 2>/dev/null
  openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" -certfile "$dir/ca.pem" -out "$dir/$node.pfx" \
    -passout "pass:$password" -name "$node"
  rm -rf "$work"
  echo "make-certs: $dir/$node.pfx (CN=$node)"
done
