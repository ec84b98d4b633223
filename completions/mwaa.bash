# bash completion for mwaa. Generated from the command registry by `mwaa completion bash`; do not edit.
_mwaa() {
  local cur prev cmdpath="" i w subs="" opts=""
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    -e|--env) COMPREPLY=( $(compgen -W "$(mwaa __complete envs 2>/dev/null)" -- "$cur") ); return ;;
    -c|--config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    -o|--output) COMPREPLY=( $(compgen -W 'text json' -- "$cur") ); return ;;
    --state-dir) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;
    -e|--env|-c|--config|--profile|--region|--endpoint-url|-o|--output|--name|--airflow-version|--port|--host|--state-dir|--create-seconds|--update-seconds|--delete-seconds|--task-seconds|--deny-package) return ;;
  esac
  for ((i=1; i<COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in
      -e|--env|-c|--config|--profile|--region|--endpoint-url|-o|--output|--name|--airflow-version|--port|--host|--state-dir|--create-seconds|--update-seconds|--delete-seconds|--task-seconds|--deny-package) ((i++)); continue ;;
      -*) continue ;;
    esac
    case "$cmdpath" in
      '') case "$w" in init|completion|local) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
      'local') case "$w" in start) cmdpath="${cmdpath:+$cmdpath }$w" ;; esac ;;
    esac
  done
  case "$cmdpath" in
    '') subs='init completion local'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'init') subs=''; opts='--name --airflow-version --force -e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
    'completion') subs='bash zsh fish'; opts='-e --env -c --config --profile --region --endpoint-url --local -o --output --json --no-color -y --yes -q --quiet --debug --help' ;;
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
