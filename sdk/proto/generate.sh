#!/usr/bin/env bash
# Regenerates the Go code of the plugin protocol (sdk/internal/pb) from the .proto files
# under sdk/proto. Run from anywhere; `make generate` calls it. Running it twice gives the
# same bytes, so CI can fail on a diff after it.
#
#   generate.sh              write sdk/internal/pb
#   generate.sh --out DIR    write DIR instead (the freshness test compares it)
#
# Needs protoc from Debian's protobuf-compiler (apt-get install -y protobuf-compiler).
# protoc-gen-go and protoc-gen-go-grpc are installed at pinned versions into bin/tools.
set -euo pipefail

# protoc-gen-go follows google.golang.org/protobuf in go.mod; protoc-gen-go-grpc is its own
# module, pinned here.
PROTOC_GEN_GO_GRPC_VERSION=v1.5.1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="$root/bin/tools"
out="$root/sdk/internal/pb"
case "${1:-}" in
"") ;;
--out)
	[ -n "${2:-}" ] || { echo "generate.sh: --out needs a directory" >&2; exit 2; }
	out="$(mkdir -p "$2" && cd "$2" && pwd)"
	;;
*)
	echo "usage: generate.sh [--out DIR]" >&2
	exit 2
	;;
esac

if ! command -v protoc >/dev/null 2>&1; then
	echo "generate.sh: protoc not found; install it with: apt-get install -y protobuf-compiler" >&2
	exit 1
fi
include=/usr/include
if [ ! -f "$include/google/protobuf/struct.proto" ]; then
	echo "generate.sh: the well-known .proto files are missing from $include/google/protobuf; reinstall protobuf-compiler (Debian ships them with libprotobuf-dev)" >&2
	exit 1
fi

mkdir -p "$tools"
cd "$root"
protobuf_version="$(go list -m -f '{{.Version}}' google.golang.org/protobuf)"
GOBIN="$tools" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$protobuf_version"
GOBIN="$tools" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$root/sdk/proto"
mapfile -t protos < <(find conserje -name '*.proto' | LC_ALL=C sort)
protoc \
	--plugin=protoc-gen-go="$tools/protoc-gen-go" \
	--plugin=protoc-gen-go-grpc="$tools/protoc-gen-go-grpc" \
	-I . -I "$include" \
	--go_out="$tmp" --go_opt=paths=source_relative \
	--go-grpc_out="$tmp" --go-grpc_opt=paths=source_relative \
	"${protos[@]}"

# Generated files land flat in sdk/internal/pb (one Go package, conserje.plugin.v1).
rm -f "$out"/*.pb.go
mkdir -p "$out"
find "$tmp" -name '*.pb.go' -exec cp {} "$out"/ \;
echo "generate.sh: wrote $(find "$out" -name '*.pb.go' | wc -l) files to $out (protoc $(protoc --version | cut -d' ' -f2), protoc-gen-go $protobuf_version, protoc-gen-go-grpc $PROTOC_GEN_GO_GRPC_VERSION)"
