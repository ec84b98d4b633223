# bash completion for mwaa. Generated from the command registry by `mwaa completion bash`; do not edit.
_mwaa() {
  local cur prev cmdpath="" i w subs="" opts=""
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    -e|--env) COMPREPLY=( $(compgen -W "$(mwaa __complete envs 2>/dev/null)" -- "$cur") ); return ;;
    -c|--config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    -o|--output) COMPREPLY=( $(compgen -W 'text json' -- "$cur") ); return ;;
    --until) COMPREPLY=( $(compgen -W 'available deleted' -- "$cur") ); return ;;
    --python) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --check) COMPREPLY=( $(compgen -W 'quick full' -- "$cur") ); return ;;
    --python) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --conf) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --transport) COMPREPLY=( $(compgen -W 'rest cli' -- "$cur") ); return ;;
    --transport) COMPREPLY=( $(compgen -W 'rest cli' -- "$cur") ); return ;;
    --transport) COMPREPLY=( $(compgen -W 'rest cli' -- "$cur") ); return ;;
    --transport) COMPREPLY=( $(compgen -W 'rest cli' -- "$cur") ); return ;;
    -X|--method) COMPREPLY=( $(compgen -W 'GET PUT POST PATCH DELETE' -- "$cur") ); return ;;
    --input) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --component) COMPREPLY=( $(compgen -W 'task scheduler worker webserver dag-processing requirements startup' -- "$cur") ); return ;;
    --state-dir) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;
    -e|--env|-c|--config|--profile|--region|--endpoint-url|-o|--output|--name|--airflow-version|--timeout|--poll|--until|--python|-m|--message|--concurrency|--check|--verify-wait|-n|--limit|--conf|--run-id|--log-lines|--transport|-X|--method|-f|--raw-field|-F|--field|--input|--run|--task|--try|--map-index|--component|--since|--filter|--interval|--port|--host|--state-dir|--create-seconds|--update-seconds|--delete-seconds|--task-seconds|--deny-package) return ;;
  esac
  for ((i=1; i<COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in
      -e|--env|-c|--config|--profile|--region|--endpoint-url|-o|--output|--name|--airflow-version|--timeout|--poll|--until|--python|-m|--message|--concurrency|--check|--verify-wait|-n|--limit|--conf|--run-id|--log-lines|--transport|-X|--method|-f|--raw-field|-F|--field|--input|--run|--task|--try|--map-index|--component|--since|--filter|--interval|--port|--host|--state-dir|--create-seconds|--update-seconds|--delete-seconds|--task-seconds|--deny-package) ((i++)); continue ;;
      -*) continue ;;
    esac
    case "$cmdpath" in
      '') case "$w" in init|completion|env|check|dags|releases|rollback|recover|trigger|airflow|api|open|logs|local) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
      'env') case "$w" in create|update|diff|list|show|wait|delete) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
      'dags') case "$w" in push|diff|list|pause|unpause) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
      'releases') case "$w" in list|show) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
      'local') case "$w" in start) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
    esac
  done
  case "$cmdpath" in
    '') subs='init completion env check dags releases rollback recover trigger airflow api open logs local'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'init') subs=''; opts='--name --airflow-version --force -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'completion') subs='bash zsh fish'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env') subs='create update diff list show wait delete'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env create') subs=''; opts='--no-wait --timeout -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env update') subs=''; opts='--no-wait --timeout -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env diff') subs=''; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env list') subs=''; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env show') subs=''; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env wait') subs=''; opts='--until --timeout -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'env delete') subs=''; opts='--no-wait --timeout -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'check') subs=''; opts='--python --strict -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'dags') subs='push diff list pause unpause'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'dags push') subs=''; opts='-m --message --dry-run --no-prune --no-wait --force-unlock --concurrency --timeout --check --no-check --python --verify --verify-wait -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'dags diff') subs=''; opts='--no-prune -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'releases') subs='list show'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'releases list') subs=''; opts='-n --limit -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'releases show') subs=''; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'rollback') subs=''; opts='-m --message --dry-run --no-wait --force-unlock --concurrency --timeout -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'recover') subs=''; opts='--dry-run --force-unlock --timeout -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'trigger') subs=''; opts='--conf --run-id --unpause --wait --timeout --poll --log-lines --transport -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'airflow') subs=''; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'dags list') subs=''; opts='--import-errors --transport -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'dags pause') subs=''; opts='--transport -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'dags unpause') subs=''; opts='--transport -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'api') subs=''; opts='-X --method -f --raw-field -F --field --input --paginate -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'open') subs=''; opts='--print -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'logs') subs=''; opts='--run --task --try --map-index --component --since --until --filter --limit -f --follow --interval --utc -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'local') subs='start'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'local start') subs=''; opts='--port --host --state-dir --create-seconds --update-seconds --delete-seconds --task-seconds --deny-package -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  fi
}
complete -F _mwaa mwaa
