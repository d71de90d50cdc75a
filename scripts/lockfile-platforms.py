# npm records only the optional platform packages the registry serves; this mirror lacks biome's
# non-Linux builds, and `npm ci` then refuses the lockfile. Adds their entries (skipped on this platform).
# Run after any `npm install`: python3 scripts/lockfile-platforms.py package-lock.json
import json,sys
p=sys.argv[1]
lock=json.load(open(p))
plat={'android-arm64':('android','arm64',None),'android-x64':('android','x64',None),'darwin-arm64':('darwin','arm64',None),'darwin-x64':('darwin','x64',None),'linux-arm64-musl':('linux','arm64','musl'),'linux-x64-musl':('linux','x64','musl'),'win32-arm64':('win32','arm64',None),'win32-x64':('win32','x64',None)}
ver=lock['packages']['node_modules/@biomejs/biome']['version']
for name,(os_,cpu,libc) in plat.items():
  key=f'node_modules/@biomejs/cli-{name}'
  if key in lock['packages']: continue
  e={'version':ver,'cpu':[cpu],'dev':True,'license':'MIT OR Apache-2.0','optional':True,'os':[os_],'engines':{'node':'>=14.21.3'}}
  if libc: e['libc']=[libc]
  lock['packages'][key]=e
# Keep npm's own key order (it sorts with localeCompare, not code points: re-sorting here made every later
# `npm install` rewrite the file): the added entries go right after the biome entries already there.
items=list(lock['packages'].items())
added=[kv for kv in items if kv[0].startswith('node_modules/@biomejs/cli-')]
rest=[kv for kv in items if not kv[0].startswith('node_modules/@biomejs/cli-')]
at=next(i for i,(k,_) in enumerate(rest) if k=='node_modules/@biomejs/biome')+1
lock['packages']=dict(rest[:at]+sorted(added)+rest[at:])
json.dump(lock,open(p,'w'),indent=2); open(p,'a').write('\n')
