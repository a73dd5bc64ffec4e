# A WebDAV store for the remote-cache tests: Debian's nginx on 127.0.0.1 with its own
# prefix. Sourced by run.sh: store_start DIR (sets store_url, store_pid), store_stop.
store_free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

store_start() {
	local dir=$1 port
	port=$(store_free_port)
	mkdir -p "$dir/store" "$dir/tmp" "$dir/logs"
	# workers may run as another user than the master
	chmod 777 "$dir/store" "$dir/tmp"
	cat >"$dir/nginx.conf" <<EOC
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 64; }
http {
	access_log $dir/logs/access.log;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	server {
		listen 127.0.0.1:$port;
		root $dir/store;
		client_max_body_size 0;
		location / {
			dav_methods PUT DELETE;
			create_full_put_path on;
			dav_access user:rw group:rw all:rw;
		}
	}
	server {
		listen 127.0.0.1:$((port + 1));
		location / { return 503; }
	}
}
EOC
	/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" &
	store_pid=$!
	store_url="http://127.0.0.1:$port"
	store_url_503="http://127.0.0.1:$((port + 1))"
	for _ in $(seq 50); do
		curl -s -o /dev/null "$store_url/" && return 0
		sleep 0.1
	done
	echo "nginx did not start:"; cat "$dir/logs/error.log"
	return 1
}

store_stop() {
	[ -n "${store_pid:-}" ] && kill "$store_pid" 2>/dev/null && wait "$store_pid" 2>/dev/null
	store_pid=
}
