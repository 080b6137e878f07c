# The local cluster's certificates and kubeconfigs (sourced after lib.sh), made with openssl: one
# CA for the node (API server, kubelet, clients) and one for etcd, a service-account key pair.
# Made once per $STATE (cluster:down removes them with the cluster), 2 years, RSA 2048.

# cert NAME CN O SANS: a key and a certificate signed by the cluster CA (SANS: "DNS:a,IP:b" or "").
cert() {
  local name=$1 cn=$2 org=$3 sans=$4 ca=${5:-ca}
  [ -f "$PKI/$name.crt" ] && return 0
  local subj="/CN=$cn"
  [ -n "$org" ] && subj="/O=$org$subj"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"
    [ -n "$sans" ] && echo "subjectAltName=$sans"
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 730 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

ca() {
  local name=$1 cn=$2
  [ -f "$PKI/$name.crt" ] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/$name.key" -subj "/CN=$cn" -days 730 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$name.crt" 2>/dev/null
}

# kubeconfig NAME USER-CERT: a kubeconfig for the API server on the node's address.
kubeconfig() {
  local name=$1 user=$2 file="$STATE/$1.kubeconfig"
  [ -f "$file" ] && return 0
  cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: bank-local
    cluster:
      server: https://$NODE_IP:6443
      certificate-authority: $PKI/ca.crt
users:
  - name: $name
    user:
      client-certificate: $PKI/$user.crt
      client-key: $PKI/$user.key
contexts:
  - name: bank-local
    context: {cluster: bank-local, user: $name}
current-context: bank-local
YAML
  chmod 600 "$file"
}

make_pki() {
  command -v openssl >/dev/null || die "openssl is missing: apt-get install -y openssl"
  mkdir -p "$PKI"; chmod 700 "$PKI"
  ca ca kubernetes-ca
  ca etcd-ca etcd-ca
  cert etcd-server etcd "" "DNS:localhost,IP:127.0.0.1" etcd-ca
  cert apiserver-etcd-client kube-apiserver-etcd-client "" "" etcd-ca
  cert apiserver kube-apiserver "" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters ""
  cert admin kubernetes-admin system:masters ""
  cert controller-manager system:kube-controller-manager "" ""
  cert scheduler system:kube-scheduler "" ""
  cert kube-proxy system:kube-proxy "" ""
  cert kubelet "system:node:$NODE_NAME" system:nodes "DNS:$NODE_NAME,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP"
  if [ ! -f "$PKI/sa.key" ]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  chmod 600 "$PKI"/*.key
  kubeconfig admin admin
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler
  kubeconfig kube-proxy kube-proxy
  kubeconfig kubelet kubelet
}
