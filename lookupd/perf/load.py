#!/usr/bin/env python3
"""Registers BROKERS fake nsqd x TOPICS topics x CHANNELS channels with a lookupd over TCP
(pipelined REGISTERs), prints the rate, then keeps the brokers alive with PINGs until killed.
A quick check for lookupd/perf/measure.sh; the project's benchmark is bench/run.
Usage: load.py TCP_PORT BROKERS TOPICS CHANNELS"""
import socket
import struct
import sys
import time

port, brokers, topics, chans = (int(a) for a in sys.argv[1:5])
socks = []
t0 = time.time()
n = 0
for b in range(brokers):
    s = socket.create_connection(('127.0.0.1', port))
    body = ('{"broadcast_address":"10.0.%d.%d","hostname":"b%d","http_port":4151,"tcp_port":4150,"version":"1.3.0"}'
            % (b // 256, b % 256, b)).encode()
    cmds = [('REGISTER topic%d ch%d\n' % (t, c)).encode() for t in range(topics) for c in range(chans)]
    s.sendall(b'  V1IDENTIFY\n' + struct.pack('>i', len(body)) + body + b''.join(cmds))
    need, got, data = len(cmds) + 1, 0, b''
    while got < need:
        data += s.recv(65536)
        while len(data) >= 4:
            size = struct.unpack('>i', data[:4])[0]
            if len(data) < 4 + size:
                break
            data = data[4 + size:]
            got += 1
    n += len(cmds)
    socks.append(s)
elapsed = time.time() - t0
print("registered %d in %.2fs = %.0f/s" % (n, elapsed, n / elapsed), flush=True)
while True:
    time.sleep(10)
    for s in socks:
        s.sendall(b'PING\n')
        s.recv(6)
